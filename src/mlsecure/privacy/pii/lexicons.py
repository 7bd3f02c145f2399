"""Shipped word lists: common given names and surnames (US Census/SSA frequency lists and common
European names), street-type words per locale, gender words. Lower-case, used as frozensets."""

from __future__ import annotations

FIRST_NAMES = frozenset((
    "james", "mary", "robert", "patricia", "john", "jennifer", "michael", "linda", "david", "elizabeth",
    "william", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah", "charles", "karen",
    "christopher", "lisa", "daniel", "nancy", "matthew", "betty", "anthony", "margaret", "mark", "sandra",
    "donald", "ashley", "steven", "kimberly", "paul", "emily", "andrew", "donna", "joshua", "michelle",
    "kenneth", "carol", "kevin", "amanda", "brian", "dorothy", "george", "melissa", "timothy", "deborah",
    "ronald", "stephanie", "edward", "rebecca", "jason", "sharon", "jeffrey", "laura", "ryan", "cynthia",
    "jacob", "kathleen", "gary", "amy", "nicholas", "angela", "eric", "shirley", "jonathan", "anna", "stephen",
    "brenda", "larry", "pamela", "justin", "emma", "scott", "nicole", "brandon", "helen", "benjamin",
    "samantha", "samuel", "katherine", "gregory", "christine", "alexander", "debra", "frank", "rachel",
    "patrick", "carolyn", "raymond", "janet", "jack", "catherine", "dennis", "maria", "jerry", "heather",
    "tyler", "diane", "aaron", "ruth", "jose", "julie", "adam", "olivia", "nathan", "joyce", "henry",
    "virginia", "douglas", "victoria", "zachary", "kelly", "peter", "lauren", "kyle", "christina", "ethan",
    "joan", "walter", "evelyn", "noah", "judith", "jeremy", "megan", "christian", "andrea", "keith", "cheryl",
    "roger", "hannah", "terry", "jacqueline", "gerald", "martha", "harold", "gloria", "sean", "teresa",
    "austin", "ann", "carl", "sophia", "arthur", "madison", "lawrence", "frances", "dylan", "kathryn", "jesse",
    "janice", "jordan", "jean", "bryan", "abigail", "billy", "alice", "joe", "judy", "bruce", "isabella",
    "gabriel", "julia", "logan", "grace", "albert", "amber", "willie", "denise", "alan", "danielle", "juan",
    "marilyn", "wayne", "beverly", "elijah", "charlotte", "randy", "natalie", "roy", "theresa", "vincent",
    "diana", "ralph", "brittany", "eugene", "doris", "russell", "kayla", "bobby", "alexis", "mason", "lori",
    "philip", "marie", "louis", "chloe", "liam", "mia", "lucas", "ava", "oliver", "amelia", "harper", "luca",
    "sofia", "mateo", "camila", "leo", "valentina", "hugo", "lea", "paul", "louise", "jan", "anna", "lukas",
    "marie", "felix", "sophie", "max", "lena", "elias", "lina", "giulia", "francesco", "alessandro", "chiara",
    "lorenzo", "sara", "pierre", "camille", "antoine", "manon", "nicolas", "chloe", "carlos", "lucia", "javier",
    "carmen", "miguel", "elena", "pablo", "ana", "diego", "laura", "sven", "ingrid", "lars", "astrid", "piotr",
    "katarzyna", "ahmed", "fatima", "mohammed", "aisha", "wei", "li", "yan", "hiroshi", "yuki", "kenji",
    "sakura", "raj", "priya", "arjun", "ananya",
))

LAST_NAMES = frozenset((
    "smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez", "martinez",
    "hernandez", "lopez", "gonzalez", "wilson", "anderson", "thomas", "taylor", "moore", "jackson", "martin",
    "lee", "perez", "thompson", "white", "harris", "sanchez", "clark", "ramirez", "lewis", "robinson", "walker",
    "young", "allen", "king", "wright", "scott", "torres", "nguyen", "hill", "flores", "green", "adams",
    "nelson", "baker", "hall", "rivera", "campbell", "mitchell", "carter", "roberts", "gomez", "phillips",
    "evans", "turner", "diaz", "parker", "cruz", "edwards", "collins", "reyes", "stewart", "morris", "morales",
    "murphy", "cook", "rogers", "gutierrez", "ortiz", "morgan", "cooper", "peterson", "bailey", "reed", "kelly",
    "howard", "ramos", "kim", "cox", "ward", "richardson", "watson", "brooks", "chavez", "wood", "james",
    "bennett", "gray", "mendoza", "ruiz", "hughes", "price", "alvarez", "castillo", "sanders", "patel", "myers",
    "long", "ross", "foster", "jimenez", "powell", "jenkins", "perry", "russell", "sullivan", "bell", "coleman",
    "butler", "henderson", "barnes", "gonzales", "fisher", "vasquez", "simmons", "romero", "jordan",
    "patterson", "alexander", "hamilton", "graham", "reynolds", "griffin", "wallace", "moreno", "west", "cole",
    "hayes", "bryant", "herrera", "gibson", "ellis", "tran", "medina", "aguilar", "stevens", "murray", "ford",
    "castro", "marshall", "owens", "harrison", "fernandez", "mcdonald", "woods", "washington", "kennedy",
    "wells", "vargas", "henry", "chen", "freeman", "webb", "tucker", "guzman", "burns", "crawford", "olson",
    "simpson", "porter", "hunter", "gordon", "mendez", "silva", "shaw", "snyder", "mason", "dixon", "munoz",
    "hunt", "hicks", "holmes", "palmer", "wagner", "black", "robertson", "boyd", "rose", "stone", "salazar",
    "fox", "warren", "mills", "meyer", "rice", "schmidt", "garza", "daniels", "ferguson", "nichols", "stephens",
    "soto", "weaver", "ryan", "gardner", "payne", "grant", "dunn", "kelley", "spencer", "hawkins", "arnold",
    "pierce", "hansen", "peters", "santos", "hart", "bradley", "knight", "elliott", "cunningham", "duncan",
    "armstrong", "hudson", "carroll", "lane", "riley", "andrews", "ray", "berry", "perkins", "hoffman",
    "johnston", "matthews", "pena", "richards", "willis", "carpenter", "lawrence", "sandoval", "muller",
    "schneider", "fischer", "weber", "becker", "schulz", "koch", "richter", "wolf", "rossi", "russo", "ferrari",
    "esposito", "bianchi", "romano", "colombo", "dubois", "durand", "leroy", "moreau", "laurent", "simon",
    "michel", "lefebvre", "fernandez", "gonzalez", "rodriguez", "jansen", "devries", "bakker", "nowak",
    "kowalski", "wisniewski", "andersson", "johansson", "nilsson", "larsen", "hansen", "singh", "kumar",
    "sharma", "wang", "zhang", "liu", "yang", "huang", "zhao", "wu", "zhou", "sato", "suzuki", "takahashi",
    "tanaka", "watanabe", "ito", "yamamoto", "nakamura",
))

STREET_WORDS = frozenset((
    "street", "st", "avenue", "ave", "road", "rd", "boulevard", "blvd", "lane", "ln", "drive", "dr", "court",
    "ct", "place", "pl", "terrace", "way", "circle", "cir", "parkway", "pkwy", "highway", "hwy", "square", "sq",
    "trail", "trl", "loop", "row", "alley", "strasse", "straße", "str", "weg", "platz", "allee", "gasse", "rue",
    "avenue", "chemin", "boulevard", "via", "viale", "piazza", "calle", "avenida", "plaza",
))

GENDER_WORDS = frozenset((
    "m", "f", "male", "female", "man", "woman", "men", "women", "nonbinary", "non-binary", "x", "other",
    "unknown", "u",
))

TITLES = frozenset((
    "mr", "mrs", "ms", "miss", "dr", "prof", "sir", "madam", "mx",
    # Turkish (avukat, uzman, ogretmen, sayin: Dear) and Indonesian (bapak, saudara/i, insinyur, hajjah, dokter gigi)
    "av", "uzm", "ogr", "sayın", "bpk", "sdr", "sdri", "ir", "hj", "drg",
    "pt",  # a clinical note's patient (``Pt. Rek Puggaard, 57 y/o``)
    # honorifics written before names in Russian, Ukrainian, Bulgarian and Greek (abbreviated and in full)
    "г-н", "г-жа", "г-ца", "тов", "господин", "госпожа", "пан", "пані", "панна", "добродій", "добродійка", "др",
    "проф", "κ", "κα", "κος", "δρ", "κυριος", "κυρια",
    # Arabic: Mr, Mrs, Miss, professor/teacher, doctor (with the article, as written before a name)
    "السيد", "السيدة", "الآنسة", "الأستاذ", "الأستاذة", "الدكتور", "الدكتورة",
))

# Capitalised words that precede a name in running text but are not part of it.
CONTEXT_WORDS = frozenset((
    "patient", "client", "customer", "dear", "hi", "hello", "the", "a", "an", "and", "or", "to", "at", "in",
    "on", "of", "for", "by", "with", "from", "per", "cc", "saw", "seen", "called", "contact", "contacted",
    "doctor", "nurse", "mother", "father", "son", "daughter", "wife", "husband", "sister", "brother",
    "call", "email", "ask", "tell", "send", "meet", "ping", "invite", "thank", "thanks", "regards", "best",
    "cheers", "sincerely", "signed", "attn", "attention", "user", "agent", "author", "reviewer", "manager",
))

# Field labels that a person's name follows after a colon (``Recipient: ...``, ``Empfänger: ...``), in the
# languages of the name lists' larger countries: name, contact, sender and recipient, mail headers, and the
# people of forms (patient, customer, client, applicant, owner, assignee, author).
PERSON_LABELS = frozenset((
    "name", "full name", "contact", "contact person", "recipient", "sender", "addressee", "from", "to", "cc", "bcc",
    "attn", "attention", "patient", "customer", "client", "applicant", "owner", "assignee", "reporter", "author",
    "signed", "signature", "guest", "passenger", "tenant", "buyer", "seller", "beneficiary", "cardholder",
    "account holder", "policyholder", "insured", "employee", "student", "witness", "caller", "driver", "consignee",
    # de, fr, es, it, pt, nl, nordic, fi
    "kontakt", "ansprechpartner", "empfänger", "absender", "kunde", "patientin", "von", "an", "destinataire",
    "expéditeur", "nom", "prénom", "nom complet", "nombre", "remitente", "destinatario", "paciente", "cliente",
    "nome", "mittente", "paziente", "nome completo", "remetente", "naam", "ontvanger", "afzender", "klant",
    "navn", "namn", "mottagare", "avsändare", "modtager", "afsender", "mottaker", "avsender", "nimi",
    "vastaanottaja", "lähettäjä", "asiakas", "potilas",
    # pl, cs, sk, hu, ro, hr/sl, tr, id, vi
    "imię i nazwisko", "odbiorca", "nadawca", "pacjent", "jméno", "příjemce", "odesílatel", "meno", "príjemca",
    "név", "címzett", "feladó", "beteg", "nume", "destinatar", "expeditor", "ime", "ime i prezime", "primatelj",
    "pošiljatelj", "prejemnik", "alıcı", "gönderen", "hasta", "müşteri", "ad soyad", "adı soyadı", "nama",
    "penerima", "pengirim", "pasien", "pelanggan", "người nhận", "người gửi", "họ tên", "họ và tên",
    # el, ru, uk, bg
    "όνομα", "ονοματεπώνυμο", "παραλήπτης", "αποστολέας", "ασθενής", "имя", "фио", "получатель", "отправитель",
    "пациент", "клиент", "контакт", "ім'я", "піб", "одержувач", "відправник", "пацієнт", "име", "получател",
    "подател",
    # ja, zh, ko, he, ar
    "氏名", "名前", "受取人", "差出人", "姓名", "联系人", "聯絡人", "收件人", "寄件人", "患者", "이름", "성명",
    "수신자", "발신자", "받는 사람", "환자", "שם", "נמען", "שולח", "الاسم", "المرسل", "المستلم",
))

# Salutations that open a letter, an e-mail or a chat message, before the person greeted.
GREETINGS = frozenset((
    "hi", "hello", "hey", "dear", "hallo", "liebe", "lieber", "moin", "servus", "bonjour", "salut", "cher", "chère",
    "hola", "querido", "querida", "estimado", "estimada", "ciao", "salve", "caro", "cara", "gentile", "olá", "oi",
    "prezado", "prezada", "hoi", "beste", "hej", "hei", "moi", "terve", "cześć", "witaj", "szanowny", "szanowna",
    "ahoj", "dobrý den", "vážený", "vážená", "szia", "helló", "kedves", "salutare", "bună", "stimate", "stimată",
    "bok", "zdravo", "pozdrav", "merhaba", "selam", "sayın", "sevgili", "halo", "hai", "yth", "xin chào", "chào",
    "γεια", "γεια σου", "αγαπητέ", "αγαπητή", "привет", "здравствуйте", "уважаемый", "уважаемая", "дорогой",
    "дорогая", "вітаю", "шановний", "шановна", "здравейте", "здрасти", "скъпи", "скъпа",
))

# The closing words of a letter or an e-mail, on the line before the name of whoever signs it.
CLOSINGS = frozenset((
    "regards", "kind regards", "best regards", "warm regards", "sincerely", "yours sincerely", "yours truly",
    "yours faithfully", "best", "best wishes", "cheers", "thanks", "many thanks", "thank you",
    "mit freundlichen grüßen", "viele grüße", "beste grüße", "liebe grüße", "grüße", "gruß", "cordialement",
    "bien cordialement", "salutations", "saludos", "saludos cordiales", "atentamente", "un saludo", "cordiali saluti",
    "saluti", "distinti saluti", "atenciosamente", "abraços", "cumprimentos", "met vriendelijke groet", "groeten",
    "groetjes", "med vänliga hälsningar", "vänliga hälsningar", "hälsningar", "med venlig hilsen", "venlig hilsen",
    "hilsen", "med vennlig hilsen", "ystävällisin terveisin", "terveisin", "pozdrawiam", "z poważaniem",
    "s pozdravem", "s pozdravom", "üdvözlettel", "tisztelettel", "cu stimă", "cu drag", "srdačan pozdrav",
    "lp", "saygılarımla", "saygılar", "hormat kami", "salam", "trân trọng", "με εκτίμηση", "с уважением",
    "всего доброго", "з повагою", "с уважение", "敬具", "此致", "敬礼", "감사합니다", "בברכה", "مع التحية",
))

# Verbs and phrasal verbs whose object is a person (``ran into Soter at the station``, ``talked to Ηώ``):
# the capitalised words, or the words of a script without case, right after them name whom one met or spoke
# to, listed or not (``names.object_name``). Written in lower case, as inside a sentence; English, with the
# commonest German, French, Spanish, Italian, Dutch and Portuguese forms.
MEETING_VERBS = frozenset((
    "ran into", "run into", "runs into", "running into", "bumped into", "bump into", "met", "meet", "met up with",
    "met with", "talked to", "talk to", "talking to", "talked with", "talk with",
    "spoke to", "spoke with", "speak to", "speak with", "speaking to", "speaking with", "chatted with",
    "chat with", "caught up with", "catch up with", "told", "tell", "asked", "ask", "thanked", "thank",
    "hugged", "married", "texted", "emailed", "e-mailed", "messaged", "pinged", "ping", "reminded", "remind",
    "greeted", "phoned", "rang", "invited", "congratulated", "interviewed", "introduced me to",
    "traf", "treffe", "getroffen", "sprach mit", "rencontré", "parlé à", "parlé avec", "hablé con",
    "encontré a", "vi a", "llamé a", "incontrato", "parlato con", "gesproken met", "ontmoette", "encontrei",
    "falei com",
    # the person a quotation is from, after it (``," says Iwase.``), and a person naming herself or another
    "says", "said", "name is", "name's", "call me", "calls me", "known as",
))
# Verbs that hand work or a message to a person (``Ticket assigned to Hellmuth Güldemeister (owner)``): as often
# a team or a place follows them, so one word after them must be a listed name; two to four capitalised words,
# none an organisation or street word, are a person.
HANDING_VERBS = frozenset((
    "assigned to", "reassigned to", "escalated to", "delegated to", "handed to", "handed over to",
    "forwarded to", "referred to", "addressed to", "replied to", "wrote to", "written to", "sent to",
    "transferred to", "given to", "passed to", "reported to", "introduced to", "engaged to", "married to",
    "belongs to", "owned by", "approved by", "signed by", "written by", "prepared by", "submitted by",
    "requested by", "created by", "assigned by", "reviewed by", "checked by", "seen by", "treated by",
))

# What a person does that a thing seldom does, after a modal (``Arnketil will send the slides``, ``Ηώ can call
# you``): the word opening the sentence before them is its subject, a person, listed or not
# (``names.subject_name``). A few past and present forms stand alone (``Soter replied``).
SUBJECT_MODALS = ("will", "would", "can", "could", "should", "must", "might", "may", "shall", "wants to",
                  "needs to", "has to", "is going to", "promised to", "agreed to", "offered to")
PERSON_ACTS = frozenset((
    "send", "email", "e-mail", "phone", "text", "write", "reply", "answer", "sign", "bring", "meet", "join",
    "attend", "present", "confirm", "arrive", "come", "drive", "pick", "explain", "share", "prepare", "speak",
    "talk", "ask", "tell", "contact", "forward", "deliver", "collect", "chair", "visit", "call", "ping", "pay",
    "drop", "stop", "swing", "bake", "cook", "host", "walk", "fly", "sing",
))
PERSON_ACTS_DONE = frozenset(("replied", "replies", "emailed", "emails", "phoned", "phones", "texted", "texts",
                              "signed", "wrote", "apologised", "apologized", "promised", "agreed"))
# Whom a sentence's subject names when it names no one person (``Staff will send``, ``Somebody can call``)
COLLECTIVE_SUBJECTS = frozenset((
    "staff", "management", "security", "reception", "someone", "somebody", "anyone", "anybody", "everyone",
    "everybody", "nobody", "noone", "whoever", "people", "customer", "customers", "user", "users", "admin",
    "administrator", "it", "hr", "finance", "accounting", "legal", "sales", "marketing", "engineering",
))

# Words after which two capitalised words are a person's name even when neither is in the lexicons.
PERSON_CONTEXT = frozenset(("patient", "client", "customer", "dear", "member", "employee", "resident", "mr", "mrs",
                            "ms", "dr"))

# Closed-class words (articles, pronouns, prepositions, conjunctions, auxiliaries, sentence adverbs) of
# English, French, German, Spanish, Italian and Dutch, plus month and weekday names. The name lists
# derived from names-dataset rank some of them as given names (``May``, ``Will``, ``The``); a capitalised
# function word is never taken for a name on its own.
FUNCTION_WORDS = frozenset((
    # English
    "a", "an", "the", "this", "that", "these", "those", "i", "you", "he", "she", "it", "we", "they", "me", "him",
    "her", "us", "them", "my", "your", "his", "its", "our", "their", "mine", "yours", "ours", "who", "whom",
    "whose", "which", "what", "when", "where", "why", "how", "and", "or", "but", "nor", "so", "yet", "if",
    "then", "than", "because", "since", "while", "although", "though", "unless", "until", "after", "before",
    "in", "on", "at", "by", "for", "from", "to", "of", "with", "without", "about", "above", "below", "over",
    "under", "into", "onto", "upon", "per", "via", "is", "are", "was", "were", "be", "been", "being", "am",
    "do", "does", "did", "done", "have", "has", "had", "will", "would", "shall", "should", "can", "could", "may",
    "might", "must", "not", "no", "yes", "all", "any", "some", "each", "every", "both", "either", "neither",
    "one", "two", "three", "there", "here", "also", "just", "only", "very", "too", "please", "thanks", "thank",
    "hello", "hi", "hey", "dear", "ok", "okay", "today", "tomorrow", "yesterday", "now", "again", "still",
    "however", "therefore", "meanwhile", "otherwise", "instead", "maybe", "perhaps", "new", "good", "great",
    "best", "first", "last", "next", "see", "note", "total", "love", "happy", "as",
    # French
    "le", "la", "les", "un", "une", "des", "du", "de", "et", "ou", "mais", "donc", "car", "ni", "je", "tu", "il",
    "elle", "nous", "vous", "ils", "elles", "ce", "cette", "ces", "mon", "ma", "mes", "ton", "ta", "son", "sa",
    "ses", "notre", "votre", "leur", "dans", "sur", "sous", "avec", "sans", "pour", "par", "chez", "est", "sont",
    "bonjour", "merci", "oui", "non",
    # German
    "der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "und", "oder", "aber", "ich", "du", "er",
    "sie", "es", "wir", "ihr", "mein", "dein", "sein", "unser", "euer", "mit", "von", "zu", "bei", "nach", "aus",
    "auf", "ist", "sind", "war", "hallo", "danke", "ja", "nein",
    # Spanish and Italian
    "el", "los", "las", "una", "unos", "unas", "y", "o", "pero", "yo", "tu", "usted", "ella", "nosotros",
    "ellos", "su", "sus", "en", "con", "sin", "por", "para", "es", "son", "hola", "gracias", "si", "il", "lo",
    "gli", "uno", "e", "ma", "io", "lui", "lei", "noi", "voi", "loro", "di", "da", "con", "per", "tra", "fra",
    "ciao", "grazie",
    # Dutch
    "het", "een", "en", "maar", "ik", "jij", "hij", "zij", "wij", "jullie", "mijn", "jouw", "zijn", "haar",
    "ons", "onze", "van", "met", "voor", "naar", "bij", "hallo", "bedankt", "nee",
    # Italian, Spanish and Portuguese beyond the above (verbs of being and having, pronouns, question words;
    # ``nada`` left out: Nada is a given name in Croatia and the Arab world)
    "ho", "ha", "hai", "abbiamo", "hanno", "sono", "sei", "siamo", "che", "come", "mi", "ti", "ci", "vi", "non",
    "questo", "questa", "quello", "quella", "dove", "quando", "anche", "molto", "tutto", "voglio", "posso",
    "este", "esto", "eso", "que", "como", "donde", "cuando", "muy", "todo", "hay", "fue", "era",
    "tengo", "tiene", "quiero", "puedo", "eu", "ele", "ela", "voce", "nao", "sim", "isso", "isto", "muito", "tem",
    "foi", "estou",
    # Nordic, Icelandic, Finnish, Estonian (``han``/``hun`` left out: Han is a surname)
    "det", "dette", "detta", "jeg", "jag", "er", "har", "ikke", "inte", "og", "och", "att", "som", "hvad", "vad",
    "til", "ja", "ei", "kun", "jos", "etta", "mutta", "kui", "ning", "aga",
    # Dutch, German beyond the above
    "wie", "wat", "waar", "dat", "deze", "dit", "niet", "ook", "nog", "bin", "bist", "seid", "was", "wer", "wo",
    "warum", "nicht", "auch", "noch", "schon", "sehr", "heute", "morgen", "gestern", "im", "am", "vom", "zum",
    "zur",
    # Czech, Slovak, Polish; Turkish
    "mimo", "ale", "jak", "jako", "tak", "je", "jest", "nie", "czy", "co", "na", "po", "za", "od", "pro", "ve",
    "se", "bu", "ve", "bir", "icin", "ile", "ama", "cok", "ne", "nasil", "evet",
    # Hungarian articles, pronouns and conjunctions; Finnish ``vain``, ``niin`` (the pronouns, written with ``ä``,
    # are below); French ``au``, ``aux``: a sentence opens with them, and the name lists hold ``Az``, ``Au``
    "az", "egy", "ez", "ezt", "azt", "ezek", "azok", "ebben", "abban", "ennek", "annak", "hogy", "nem", "vagy",
    "mert", "csak", "amikor", "ahol", "azonban", "pedig", "vain", "niin", "au", "aux",
    # calendar words (and the months of German, French, Dutch, Spanish that are no given name)
    "januar", "februar", "juni", "juli", "oktober", "dezember", "janvier", "fevrier", "juin",
    "juillet", "aout", "septembre", "octobre", "decembre", "januari", "februari", "maart", "augustus", "enero",
    "febrero", "marzo", "junio", "septiembre", "octubre", "noviembre", "diciembre",
    "january", "february", "march", "april", "june", "july", "august", "september", "october", "november",
    "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "spring", "summer",
    "autumn", "winter",
))

# Function words written with a diacritic, compared lower-cased with it (``FUNCTION_WORDS`` is compared
# folded, and only for words without one: Vietnamese ``Lê`` is a surname where French ``le`` is an article).
ACCENTED_FUNCTION_WORDS = frozenset((
    "él", "tú", "sí", "más", "qué", "cómo", "está", "están", "también", "así", "después", "où", "à", "déjà",
    "même", "très", "là", "già", "più", "è", "perché", "così", "é", "não", "já", "você", "até", "só", "för", "på",
    "så", "är", "också", "där", "når", "også", "være", "für", "über", "während", "için", "çok", "nasıl", "że", "při",
    "és", "én", "így", "még", "már", "hän", "hänen", "hänet", "tämä", "tämän", "tätä", "tällä", "tässä", "siinä",
    "siitä", "minä", "sinä", "nämä", "myös", "märz", "jänner", "février", "août", "décembre",
))

# Column-name words for places, in English and the official languages of the EU, EEA and CH, and in
# Russian, Ukrainian, Turkish, Japanese, Chinese and Korean (translations of "city/town/municipality",
# "postal code", "street/address", "state/province/region"), plus the field names of common address
# schemas (schema.org PostalAddress, OASIS xAL / Google libaddressinput: ``addressLocality``,
# ``postTown``, ``dependentLocality``). Compared case- and accent-folded, as whole words; words of five
# letters or more also inside compounds (``wohnort``, ``postleitzahl``). Short words that are common
# elsewhere (``by``, ``via``, ``cap``, ``pin``, ``il``) are left out.
PLACE_HEADERS: dict[str, tuple[str, ...]] = {
    "city": (
        "city", "town", "village", "municipality", "locality", "addresslocality", "posttown", "hometown",
        "dependentlocality", "sublocality", "borough", "suburb",
        "ort", "wohnort", "stadt", "gemeinde", "ortschaft",  # de
        "ville", "commune", "localite",  # fr
        "ciudad", "localidad", "municipio", "poblacion",  # es
        "citta", "comune", "localita",  # it
        "cidade", "concelho", "localidade",  # pt
        "plaats", "woonplaats", "gemeente", "stad",  # nl, sv
        "miasto", "miejscowosc", "gmina",  # pl
        "mesto", "obec",  # cs, sk
        "varos", "telepules",  # hu
        "kaupunki", "kunta", "paikkakunta",  # fi
        "kommune", "kommun", "bynavn", "poststed", "postort",  # da, no, sv
        "oras", "localitate",  # ro
        "grad", "mjesto", "naselje",  # hr, sl
        "linn", "vald", "asula",  # et
        "pilseta", "miestas",  # lv, lt
        "poli", "πολη", "δημος",  # el
        "город", "населенныи", "місто",  # ru, uk
        "sehir", "ilce",  # tr
        "市区町村", "市町村", "都市", "城市", "市", "도시", "시군구",  # ja, zh, ko
    ),
    "postcode": (
        "zip", "zipcode", "postcode", "postal", "postalcode", "postnummer", "postnr", "postleitzahl", "plz",
        "codepostal", "codigopostal", "codpostal", "cp", "postinumero", "iranyitoszam", "psc", "kodpocztowy",
        "postcodigo", "postkod", "postni", "postanski", "pasto", "sihtnumber", "postakodu", "pincode",
        "ταχυδρομικος", "индекс", "почтовыи", "поштовии", "郵便番号", "邮编", "邮政编码", "우편번호",
    ),
    "street": (
        "street", "address", "addr", "addressline", "streetaddress", "strasse", "straße", "anschrift", "adresse", "rue",
        "calle", "direccion", "indirizzo", "rua", "endereco", "morada", "straat", "adres", "ulica", "ulice",
        "adresa", "utca", "cim", "katu", "osoite", "gade", "gata", "vej", "gatuadress", "odos", "διευθυνση",
        "οδος", "улица", "адрес", "вулиця", "адреса", "sokak", "cadde", "住所", "地址", "주소",
    ),
    "region": (
        "state", "province", "region", "prefecture", "bundesland", "kanton", "canton", "departement",
        "provincia", "regione", "estado", "comunidad", "provincie", "wojewodztwo", "kraj", "megye", "maakunta",
        "fylke", "lan", "landskap", "maakond", "zupanija", "nomos", "область", "oblast", "край", "都道府県",
        "省", "州", "시도",
    ),
}

# Toponymic affixes of place names (English, German, Dutch, Nordic, Romance, Slavic, Greek, Turkish,
# Japanese, Chinese, Korean gazetteer conventions), compared on the folded last word / first word.
CITY_SUFFIXES = (
    "ton", "ham", "bury", "borough", "burgh", "chester", "caster", "cester", "field", "ford", "mouth", "port",
    "stead", "wick", "worth", "ville", "haven", "dale", "town",
    "burg", "berg", "dorf", "stadt", "hausen", "heim", "feld", "furt", "bach", "bruck", "brucken", "ingen",
    "hofen", "kirchen", "munster", "hagen", "rode", "leben",
    "dam", "drecht", "hoven", "hout", "kerk", "wijk", "zijl", "sluis", "dorp", "huizen", "horst", "broek", "veen",
    "voort", "hoek", "rade", "wolde",
    "holm", "koping", "stad", "vik", "fjord", "fjorður", "borg", "rup", "strup", "løse", "sted", "kyla", "lahti",
    "jarvi", "koski", "salmi",
    "court", "polis", "grad", "gorod", "owo", "ice", "owice", "ovo", "evo", "kent", "abad",
    "ск", "град", "бург", "поль", "ово", "ево", "ино", "πολη", "πολις",
    "市", "町", "村", "区", "郡", "县", "镇", "시", "군", "구", "읍", "면",
    "آباد", "شهر",  # Persian -abad, -shahr in their own script (``جوادآباد``, ``آزادشهر``)
)
CITY_PREFIXES = frozenset((
    "san", "santa", "santo", "sao", "saint", "sainte", "st", "ste", "bad", "sankt", "villa", "vila", "porto",
    "puerto", "castel", "castello", "monte", "new", "north", "south", "east", "west", "lake", "port", "fort",
    "mount", "nowy", "nowa", "nove", "nova", "novi", "velke", "velika", "veliki", "stari", "stara", "ust",
    "borgo", "sesto", "settimo", "quarto", "quinto", "marina", "lido", "isola", "torre", "rocca", "ponte", "valle",
    "pieve", "casal", "poggio", "colle", "donji", "gornji", "sveti", "nagy", "kis", "also", "felso",
    "нижнии", "новыи", "старыи", "велики",
))
# Words joining the parts of a compound place name (FR ``-sur-``, ``-lès-``, ``-près-``, ``-sous-``; DE ``am``,
# ``bei``, ``ob``; CZ/SK/PL ``nad``, ``pod``; EN ``upon``), inside a name, never first or last.
CITY_CONNECTORS = ("sur", "sous", "près", "lès", "lez", "les", "am", "bei", "ob", "nad", "pod", "upon")
# Settlement-type words written before a place's name: the short names of Russia's address register
# (FIAS/KLADR ``socrbase``: city, urban-type settlement, village, hamlet, stanitsa, khutor, aul...),
# Ukraine's KATOTTH categories, Bulgaria's, and Vietnam's administrative units (thành phố/TP., thị xã,
# thị trấn, xã).
SETTLEMENT_WORDS = frozenset((
    "г", "город", "пгт", "рп", "п", "пос", "поселок", "посёлок", "с", "село", "д", "дер", "деревня", "ст",
    "станица", "ст-ца", "х", "хутор", "аул", "клх", "колхоз", "свх", "совхоз", "сл", "слобода", "к", "кордон",
    "м", "місто", "смт", "с-ще", "селище", "хутір", "гр", "град",
    "thành phố", "tp", "thị xã", "tx", "thị trấn", "tt", "xã",
))
REGION_WORDS = frozenset((
    "region", "province", "provincia", "state", "county", "oblast", "область", "краи", "край", "республика",
    "область", "maakond", "megye", "kanton", "canton", "voivodeship", "wojewodztwo", "prefecture", "gewest",
    "zupanija", "kraj", "autonomous", "autonomna",
))
REGION_AFFIXES = ("県", "府", "省", "自治区", "道", "도", "shire", "maa", "sky", "skie", "cka", "ska")

# Words that make a cell an organisation's name (legal forms of many countries' company registers, and
# institution words in the languages above): organisations are often named after people and places
# (``Johannes Kepler Universität Linz``, ``Schmidt GmbH``), so a column of them is not a name column.
ORGANISATION_WORDS = frozenset((
    "inc", "corp", "corporation", "company", "co", "ltd", "llc", "llp", "plc", "lp", "gmbh", "ag", "kg", "ohg",
    "ug", "se", "sa", "sas", "sarl", "srl", "spa", "snc", "sl", "bv", "nv", "vof", "oy", "oyj", "ab", "as", "asa",
    "aps", "kft", "zrt", "nyrt", "sro", "spolka", "doo", "dd", "ooo", "ооо", "зао", "пао", "ао", "pty", "pvt",
    "limited", "group", "holding", "holdings", "partners", "associates", "industries", "systems", "solutions",
    "services", "technologies", "consulting", "logistics", "enterprises", "international", "foundation",
    "stiftung", "fondation", "fundacion", "fondazione", "association", "verein", "associazione", "asociacion",
    "university", "universitat", "universite", "universidad", "universita", "universidade", "universiteit",
    "uniwersytet", "univerzita", "egyetem", "yliopisto", "universitet", "университет", "privatuniversitat",
    "college", "academy", "akademie", "academie", "academia", "akademia", "institute", "institut", "instituto",
    "istituto", "colegio", "escola", "liceo", "lycee", "gymnasium", "politecnico", "polytechnic", "hochschule",
    "fachhochschule", "vysoka", "skola", "szkola", "politechnika", "school", "schule", "ecole", "escuela",
    "scuola", "hospital", "klinik", "klinikum", "hopital",
    "ospedale", "szpital", "bank", "banque", "banco", "banca", "hotel", "museum", "museo", "musee", "church",
    "kirche", "eglise", "iglesia", "club", "verlag", "werke", "株式会社", "有限会社", "有限公司", "公司", "大学",
    "주식회사", "대학교",
    "tnhh", "sti",  # Vietnamese limited liability (trách nhiệm hữu hạn), Turkish şirketi (Ltd. Şti.)
))

# Street-type words of more conventions than ``addresses`` parses in running text (HU, PL, CZ, SK, HR,
# SL, RU, UK, BG, EL, TR, ET, LV, LT, FI, NL, Nordic, MX), as a word of their own (``Ceglédi utca 880``,
# ``ул. Лазенки 972``) or ending a compound (``Fredrikinkatu 1315``, ``Atatürk Caddesi 5``, ``보라매로``);
# one signal, among others, that a column of house numbers and words is a street column.
STREET_TOKENS = frozenset((
    "utca", "ut", "ter", "korut", "koz", "sor", "setany", "rakpart", "ulica", "ul", "ulice", "aleja", "al", "trg",
    "cesta", "put", "namestie", "namesti", "nabrezi", "trida", "obala", "ulitsa", "ул", "улица", "пр",
    "проспект", "пер", "переулок", "бульвар", "шоссе", "наб", "набережная", "площадь", "пл", "аллея", "тупик",
    "проезд", "вул", "вулиця", "просп", "провулок", "майдан", "бул", "οδος", "οδ", "λεωφορος", "λεωφ", "πλατεια",
    "sokak", "sk", "cadde", "cad", "bulvar", "mahalle", "mah", "tanav", "tee", "maantee", "puiestee", "iela",
    "gatve", "prospektas", "katu", "tie", "kuja", "polku", "straat", "laan", "weg", "plein", "steenweg", "dreef",
    "lei", "kaai", "vej", "gade", "gata", "gatan", "vagen", "veien", "vegen", "vei", "gate", "alle", "plass", "torg",
    "calzada", "prolongacion", "privada", "cerrada", "andador", "circuito", "retorno", "travessa", "beco",
    # BR tipos de logradouro (Correios DNE)
    "trevo", "viela", "conjunto", "recanto", "fazenda", "passarela", "estacao", "ladeira", "largo", "vereda",
    "chacara", "quadra", "sitio", "setor", "residencial", "jardim", "morro", "trecho", "loteamento", "parque",
    "vila", "favela", "colonia", "condominio", "esplanada", "nucleo",
    # AU/NZ/UK thoroughfare types beyond USPS's (Australia Post / AS 4590)
    "vista", "retreat", "ramble", "deviation", "quadrangle", "parade", "esplanade", "promenade", "rise", "chase",
    "circuit", "crest", "glade", "lees", "nook", "outlook", "reserve", "strip", "track", "vale", "wynd", "brae",
    "arcade", "approach", "concourse", "crossway", "grange", "spur", "mall",
))
STREET_ENDINGS = (
    "straat", "laan", "weg", "vej", "gade", "gata", "gatan", "vagen", "veien", "vegen", "gate", "katu", "tie",
    "tanav", "iela", "gatve", "sokagi", "caddesi", "bulvari", "utca", "strasse", "straße", "gasse", "platz",
    "로", "길", "路", "街", "道", "巷", "弄", "号", "丁目", "番地", "通り",
)
