"""modelaudit (MIT, github.com/promptfoo/modelaudit): benign look-alikes and their malicious controls
from tests/test_sklearn_joblib_false_positive.py and tests/test_false_positive_fixes.py, rebuilt by
our own code (real scikit-learn / torch / safetensors files, fitted or saved here).

Labels: "exit code 0 / no warning" makes a file benign; "exit code 1 / detected" malicious. Tensor
shapes of the GPT-2 / BERT look-alikes are scaled down (vocabulary 50257 -> 1000, 30522 -> 1000) so the
corpus stays small; the tensor names and file formats are the peer's. Left out: the h5py-based
fixtures (h5py is not installed here) and the manifest test that needs a custom blacklist config.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable

from peer_corpus import Payload, PeerSample
from peer_corpus import asm as a
from peer_corpus._files import blob, torch_save

SK = "tests/test_sklearn_joblib_false_positive.py::TestSklearnJoblibFalsePositive"
FP = "tests/test_false_positive_fixes.py::TestFalsePositiveFixes"


def _s(sid: str, source: str, description: str, name: str, make: Callable[[Payload], bytes]) -> PeerSample:
    return PeerSample(f"modelaudit/{sid}", source, description, blob(name, make))


def _sklearn(kind: str) -> Callable[[Payload], bytes]:
    def make(_: Payload) -> bytes:
        import numpy as np
        from sklearn.ensemble import RandomForestClassifier
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        x, y = np.array([[0, 0], [1, 1], [2, 2]]), np.array([0, 1, 1])
        model: object
        if kind == "logistic":
            model = LogisticRegression().fit(x, y)
        elif kind == "pipeline":
            model = Pipeline([("scaler", StandardScaler()), ("clf", LogisticRegression())]).fit(x, y)
        else:
            model = RandomForestClassifier(n_estimators=2, max_depth=2, random_state=42).fit(x[:2], y[:2])
        return pickle.dumps(model)
    return make


def _gpt2_safetensors(_: Payload) -> bytes:
    import numpy as np
    from safetensors.numpy import save

    rng = np.random.default_rng(0)
    weights = {"h.0.mlp.c_fc.weight": (768, 3072), "h.0.mlp.c_proj.weight": (3072, 768),
               "h.1.attn.c_attn.weight": (768, 2304), "h.1.attn.c_proj.weight": (768, 768),
               "wte.weight": (1000, 768)}
    return save({k: (rng.standard_normal(s) * 0.02).astype(np.float32) for k, s in weights.items()})


def _bert_with_mz(_: Payload) -> bytes:
    import torch

    gen = torch.Generator().manual_seed(42)
    shapes = {"embeddings.word_embeddings.weight": (1000, 768), "embeddings.position_embeddings.weight": (512, 768),
              "embeddings.token_type_embeddings.weight": (2, 768),
              "encoder.layer.0.attention.self.query.weight": (768, 768),
              "encoder.layer.0.attention.self.key.weight": (768, 768),
              "encoder.layer.0.attention.self.value.weight": (768, 768)}
    data = torch_save({k: torch.randn(*s, generator=gen) * 0.02 for k, s in shapes.items()})
    mid = len(data) // 2
    return data[:mid] + b"MZ" + data[mid + 2:]


def _config(obj: dict[str, object]) -> Callable[[Payload], bytes]:
    return lambda _: json.dumps(obj).encode()


def samples() -> list[PeerSample]:
    return [
        _s("sklearn_logistic", f"{SK}::test_sklearn_model_no_legacy_pattern_warnings",
           "pickle.dump of a fitted LogisticRegression", "sklearn_model.pkl", _sklearn("logistic")),
        _s("sklearn_pipeline", f"{SK}::test_sklearn_pipeline_no_legacy_pattern_warnings",
           "pickle.dump of a fitted StandardScaler+LogisticRegression Pipeline", "pipeline_model.pkl",
           _sklearn("pipeline")),
        _s("sklearn_random_forest", f"{SK}::test_sklearn_model_no_exit_code_1_from_patterns",
           "pickle.dump of a fitted 2-tree RandomForestClassifier", "sklearn_rf.pkl", _sklearn("rf")),
        _s("sklearn_proto0_os_system", f"{SK}::test_malicious_patterns_still_detected",
           "protocol-0 GLOBAL os.system + REDUCE", "malicious.pkl",
           lambda p: b"cos\nsystem\n(S'" + p.cmd.encode() + b"'\ntR."),
        _s("gpt2_safetensors", f"{FP}::test_gpt2_style_model_no_false_positives",
           "safetensors with GPT-2 layer names (shapes scaled down)", "model.safetensors", _gpt2_safetensors),
        _s("gpt2_model_config", f"{FP}::test_gpt2_style_model_no_false_positives", "GPT-2 config.json",
           "config.json", _config({"_name_or_path": "openai-community/gpt2", "model_type": "gpt2",
                                   "architectures": ["GPT2LMHeadModel"], "vocab_size": 50257, "n_positions": 1024,
                                   "n_embd": 768, "n_layer": 12, "n_head": 12, "transformers_version": "4.35.0",
                                   "torch_dtype": "float32"})),
        _s("hf_gpt2_config", f"{FP}::test_huggingface_patterns_not_flagged", "gpt2_config.json",
           "gpt2_config.json", _config({"_name_or_path": "gpt2", "model_type": "gpt2",
                                        "transformers_version": "4.35.0", "architectures": ["GPT2LMHeadModel"],
                                        "model_input_names": ["input_ids", "attention_mask"],
                                        "torch_dtype": "float32"})),
        _s("hf_bert_config", f"{FP}::test_huggingface_patterns_not_flagged", "bert_config.json",
           "bert_config.json", _config({"_name_or_path": "bert-base-uncased", "model_type": "bert",
                                        "transformers_version": "4.21.0",
                                        "architectures": ["BertForSequenceClassification"],
                                        "model_input_names": ["input_ids", "attention_mask", "token_type_ids"],
                                        "torch_dtype": "float32", "hidden_size": 768, "num_attention_heads": 12})),
        _s("hf_tokenizer_config", f"{FP}::test_huggingface_patterns_not_flagged", "tokenizer_config.json without "
           "a chat template", "tokenizer_config.json",
           _config({"tokenizer_class": "GPT2Tokenizer", "model_input_names": ["input_ids", "attention_mask"],
                    "special_tokens_map": {"pad_token": "<|endoftext|>"}, "model_max_length": 1024,
                    "added_tokens_decoder": {"50256": {"content": "<|endoftext|>"}}})),
        _s("bert_torch_with_mz", f"{FP}::test_bert_model_no_false_positive_executables",
           "torch.save of BERT-named tensors with 'MZ' written into the middle (shapes scaled down)",
           "bert-base-uncased-pytorch_model.bin", _bert_with_mz),
        _s("evil_pickle_os_system", f"{FP}::test_malicious_files_still_detected", "os.system(cmd) via pickle.dump",
           "evil.pickle", lambda p: a.call("posix", "system", [p.cmd], pickle.DEFAULT_PROTOCOL)),
        _s("dos_executable_bin", f"{FP}::test_malicious_files_still_detected", "MZ DOS header and stub named .bin "
           "(a Windows executable disguised as weights)", "malicious_model.bin",
           lambda _: b"MZ" + b"\x90\x00" * 30 + b"This program cannot be run in DOS mode" + b"\x00" * 100),
    ]
