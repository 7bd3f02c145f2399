"""modelaudit (MIT, github.com/promptfoo/modelaudit): the committed fixtures of
tests/test_regression_corpus.py (tests/assets/exploits, samples/pickles, samples/pytorch,
samples/safetensors, samples/archives), tests/assets/pickles (alias/memo/stream attacks),
samples/tensorflow and the Keras configs of tests/scanners/test_keras_zip_scanner.py, rebuilt by our
own code after reading each binary fixture with ``pickletools``/``zipfile`` (never loading it).

Labels: the regression corpus' ALL_MALICIOUS / ALL_SAFE lists; for Keras, a test asserting an issue
(CVE attribution) makes the config malicious, one asserting none makes it benign. Keras tests whose
expectation is only "not critical" (the safe-Lambda case) are left out: they label nothing.
"""

from __future__ import annotations

import base64
import binascii
import json
import pickle
import struct
from collections.abc import Callable
from pathlib import Path

from peer_corpus import Payload, PeerSample
from peer_corpus import asm as a
from peer_corpus._files import blob, json_bytes, zip_bytes

RC = "tests/test_regression_corpus.py"
KZ = "tests/scanners/test_keras_zip_scanner.py"


def _s(sid: str, source: str, description: str, name: str, make: Callable[[Payload], bytes]) -> PeerSample:
    return PeerSample(f"modelaudit/{sid}", source, description, blob(name, make))


def _torch_decoys(names: list[tuple[str, str]], p: Payload) -> bytes:
    # exploit9 / exploit_ultimate: many torch names pushed by STACK_GLOBAL as decoys, then os.system(cmd)
    body = b"".join(a.stack_global(m, n) + pickle.MEMOIZE for m, n in names)
    return a.proto(4) + body + a.stack_global("os", "system") + a.ustr(p.cmd) + pickle.TUPLE1 + pickle.REDUCE + \
        pickle.STOP


ULTIMATE = [("torch", "Tensor"), ("torch", "FloatTensor"), ("torch", "LongTensor"), ("torch", "nn"),
            ("torch", "optim"), ("torch", "utils"), ("torch.nn", "Module"), ("torch.nn", "Linear"),
            ("torch.nn", "Conv2d"), ("torch.nn", "BatchNorm2d"), ("torch.nn", "ReLU"), ("torch.nn", "MaxPool2d"),
            ("torch.nn", "Dropout"), ("torch.nn", "Sequential"), ("torch.optim", "Adam"), ("torch.optim", "SGD"),
            ("torch.utils", "data"), ("torch.utils.data", "DataLoader"), ("collections", "OrderedDict"),
            ("torch", "save"), ("torch", "load")]


def _inner(text: str) -> bytes:
    """The nested payload of modelaudit's nested_pickle_* fixtures: builtins.print(text), protocol 4."""
    return a.call("builtins", "print", [text], 4)


def _nested(kind: str) -> Callable[[Payload], bytes]:
    def make(_: Payload) -> bytes:
        inner = _inner("MALICIOUS: Nested pickle executed!")
        if kind == "raw":
            obj: object = {"legitimate_data": {"weights": [1, 2, 3]}, "hidden_payload": inner}
        elif kind == "base64":
            obj = {"model_config": "ResNet50", "encoded_weights": base64.b64encode(inner).decode(),
                   "metadata": {"version": "1.0", "description": "A model with base64-encoded malicious payload"}}
        elif kind == "hex":
            obj = {"architecture": "transformer", "hex_data": binascii.hexlify(inner).decode(),
                   "config": {"hidden_size": 768, "num_layers": 12}}
        else:  # multistage: base64 of a pickle whose dict holds the raw inner pickle
            stage2 = pickle.dumps({"stage2": inner}, protocol=4)
            obj = {"model_metadata": {"version": "1.0"},
                   "stage1_payload": {"stage1_encoded": base64.b64encode(stage2).decode()}}
        return pickle.dumps(obj, protocol=4)
    return make


def _decode_exec(p: Payload) -> bytes:
    obj = {"model_version": "1.0", "legitimate_field": "normal_data",
           "suspicious_code": base64.b64encode(p.py.encode()).decode(),
           "suspicious_payload": base64.b64encode(_inner("MALICIOUS: Nested pickle executed!")).decode(),
           "_internal_config": p.py}
    return pickle.dumps(obj, protocol=4)


def _realistic(_: Payload) -> bytes:
    obj = {"model_name": "bert-base-uncased", "model_type": "transformer",
           "config": {"hidden_size": 768, "num_attention_heads": 12, "num_hidden_layers": 12, "vocab_size": 30522},
           "state_dict": {"embeddings.weight": "placeholder_tensor_data",
                          "encoder.layer.0.attention.self.query.weight": "placeholder_tensor_data",
                          "encoder.layer.0.attention.self.key.weight": "placeholder_tensor_data"},
           "optimizer_state": "placeholder_optimizer_data", "training_metadata": {"epochs": 3},
           "tokenizer_config": base64.b64encode(_inner("MALICIOUS: Nested pickle executed!")).decode()}
    return pickle.dumps(obj, protocol=4)


def _safetensors(metadata: dict[str, str]) -> bytes:
    tensors = {"bias": ("F32", [256]), "embeddings": ("F32", [100, 768]), "weights": ("F32", [768, 256])}
    header: dict[str, object] = {"__metadata__": metadata}
    offset = 0
    for name, (dtype, shape) in tensors.items():
        n = 4
        for d in shape:
            n *= d
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + n]}
        offset += n
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + bytes(offset)


def _savedmodel(op: str) -> bytes:
    # SavedModel proto: meta_graphs { graph_def { node { name, op } ... } } (fields 2 / 2 / 1)
    def ld(field: int, payload: bytes) -> bytes:
        return bytes([field << 3 | 2, len(payload)]) + payload
    nodes = ld(1, ld(1, b"Const") + ld(2, b"Const"))
    if op:
        nodes += ld(1, ld(1, b"bad") + ld(2, op.encode()))
    return ld(2, ld(2, nodes))


def _keras(config: dict[str, object], version: str = "3.10.0") -> Callable[[Payload], bytes]:
    return lambda _: zip_bytes([("metadata.json", json_bytes({"keras_version": version})),
                                ("config.json", json_bytes(config))])


def _seq(*layers: dict[str, object]) -> dict[str, object]:
    return {"class_name": "Sequential", "config": {"name": "sequential", "layers": list(layers)}}


def _layer(cls: str, config: dict[str, object], module: object = "keras.layers", **extra: object) -> dict[str, object]:
    return {"class_name": cls, "name": config.get("name", cls.lower()), "module": module, "config": config, **extra}


def _b64(code: str) -> str:
    return base64.b64encode(code.encode()).decode()


def samples() -> list[PeerSample]:
    out = [
        _s("exploit1_basic_torch_bypass", RC, "os.system(cmd) protocol 4", "exploit1_basic_torch_bypass.pkl",
           lambda p: a.call("os", "system", [p.cmd], 4)),
        _s("exploit2_advanced_torch_bypass", RC, "subprocess.call(['/bin/sh','-c',cmd])",
           "exploit2_advanced_torch_bypass.pkl", lambda p: a.call("subprocess", "call", [["/bin/sh", "-c", p.cmd]], 4)),
        *(_s(f"exploit{n}", RC, "os.system(cmd) protocol 4", f"exploit{n}.pkl",
             lambda p: a.call("os", "system", [p.cmd], 4))
          for n in ("3_sophisticated_hybrid", "4_supply_chain_attack", "5_ultra_high_confidence",
                    "6_ordereddict_bypass")),
        _s("exploit7_nested_collections", RC, "subprocess.Popen(['/bin/echo', text])", "exploit7.pkl",
           lambda p: a.call("subprocess", "Popen", [["touch", str(p.marker)]], 4)),
        _s("exploit9_manual_construction", RC, "torch/collections decoy globals, then os.system(cmd)", "exploit9.pkl",
           lambda p: _torch_decoys([("torch", "Tensor"), ("torch.nn", "Module"), ("torch.nn", "Linear"),
                                    ("torch.nn", "Conv2d"), ("collections", "OrderedDict")], p)),
        _s("exploit_ultimate_50pct", RC, "21 decoy torch globals, then os.system(cmd)", "exploit_ultimate_50pct.pkl",
           lambda p: _torch_decoys(ULTIMATE, p)),
        _s("malicious_system_call", RC, "posix.system(cmd)", "malicious_system_call.pkl",
           lambda p: a.call("posix", "system", [p.cmd], 4)),
        _s("malicious_model_realistic", RC, "model-like dict whose tokenizer_config is a base64 pickle",
           "malicious_model_realistic.pkl", _realistic),
        _s("decode_exec_chain", RC, "dict with base64 code, a base64 pickle and an os.system string",
           "decode_exec_chain.pkl", _decode_exec),
        _s("evil.pickle", RC, "posix.system(cmd)", "evil.pickle", lambda p: a.call("posix", "system", [p.cmd], 4)),
        *(_s(f"nested_pickle_{k}", RC, f"dict carrying a {k} nested pickle (builtins.print) as data",
             f"nested_pickle_{k}.pkl", _nested(k)) for k in ("raw", "hex", "base64", "multistage")),
        _s("malicious_import.safetensors", RC, "safetensors whose __metadata__ holds 'import os; os.system(...)'",
           "malicious_import.safetensors",
           lambda _: _safetensors({"description": "Legitimate looking model with malicious import statement",
                                   "model_info": "import os; os.system('touch PAYLOAD_RAN')"})),
        _s("malicious_eval.pt", RC, "torch-style zip (version, data.pkl) whose data.pkl calls builtins.eval",
           "malicious_eval.pt", lambda p: zip_bytes([("version", b"3"), ("data.pkl", a.call("builtins", "eval",
                                                                                            [p.expr], 4))])),
        _s("path_traversal.zip", RC, "zip with ../../../etc/evil.txt and model/malicious.pkl (posix.system)",
           "path_traversal.zip", lambda p: zip_bytes([("../../../etc/evil.txt", b"malicious content"),
                                                      ("model/malicious.pkl", a.call("posix", "system", [p.cmd], 4))])),
        _s("safe_data", RC, "{'safe': 'data', 'numbers': [1, 2, 3]}", "safe_data.pkl",
           lambda _: pickle.dumps({"safe": "data", "numbers": [1, 2, 3]}, protocol=4)),
        _s("safe_large_model", RC, "dict of large float lists (a model-sized plain pickle)", "safe_large_model.pkl",
           lambda _: pickle.dumps({f"layer{i}": [float(j) / 7 for j in range(5000)] for i in range(12)}, protocol=4)),
        _s("safe_model_with_binary", RC, "dict with layer names, binary weights and metadata",
           "safe_model_with_binary.pkl",
           lambda _: pickle.dumps({"model_type": "cnn", "layers": ["conv1", "pool1", "conv2", "pool2", "fc1", "fc2"],
                                   "weights_binary": bytes(range(256)) * 6,
                                   "compressed_config": b"\x78\x9c" + bytes(40),
                                   "tensor_metadata": {"shape": [224, 224, 3], "dtype": "float32"},
                                   "serialization_format": "custom_binary_v2"}, protocol=4)),
        _s("safe_model_with_encoding", RC, "dict with base64 config/licence strings and a hex signature",
           "safe_model_with_encoding.pkl",
           lambda _: pickle.dumps({"model_name": "safe-transformer",
                                   "config_json_b64": _b64('{"hidden_size": 768, "num_layers": 12}'),
                                   "config_yaml_b64": _b64("model:\n  type: transformer\n  layers: 12"),
                                   "license_text": _b64("MIT License\nCopyright (c) 2024"),
                                   "model_signature": "deadbeef" * 16,
                                   "weights": {"embedding": "placeholder_tensor_data", "attention": "x"}}, protocol=4)),
        _s("safe_model_with_tokens", RC, "tokenizer-like dict (vocabulary, special tokens)",
           "safe_model_with_tokens.pkl",
           lambda _: pickle.dumps({"vocab": {f"tok{i}": i for i in range(400)},
                                   "special_tokens": ["[CLS]", "[SEP]", "[PAD]", "[UNK]", "<|endoftext|>"],
                                   "merges": [f"t{i} o{i}" for i in range(100)]}, protocol=4)),
        _s("safe_nested_structure", RC, "deeply nested dicts and lists of numbers and strings",
           "safe_nested_structure.pkl",
           lambda _: pickle.dumps({"blocks": [{"name": f"block{i}", "params": {"w": list(range(50)), "cfg": {
               "act": "relu", "drop": 0.1, "sub": [[j, str(j)] for j in range(20)]}}} for i in range(20)]},
               protocol=4)),
        _s("safe_model.safetensors", RC, "safetensors with descriptive __metadata__", "safe_model.safetensors",
           lambda _: _safetensors({"version": "1.2.3", "license": "MIT", "parameters": "12M",
                                   "training_dataset": "safe-corpus-v1", "accuracy": "94.5%",
                                   "model_name": "transformer-small", "author": "Safe ML Team",
                                   "description": "A safe transformer model"})),
        _s("safe_model.pt", RC, "torch-style zip (version, data.pkl of a plain dict)", "safe_model.pt",
           lambda _: zip_bytes([("version", b"3"), ("data.pkl", pickle.dumps({"weights": [0.1, 0.2], "bias": 0.0},
                                                                              protocol=4))])),
        _s("safe_model.zip", RC, "zip of model/weights.txt and README.txt", "safe_model.zip",
           lambda _: zip_bytes([("model/weights.txt", b"safe model weights"),
                                ("README.txt", b"This is a safe model archive")])),
        _s("memo_attack", "tests/test_nested_pickle_integration.py (tests/assets/pickles/memo_attack.pkl)",
           "subprocess.call(['#', text]) with APPENDS, protocol 5", "memo_attack.pkl",
           lambda p: a.proto(5) + a.frame(a.stack_global("subprocess", "call") + pickle.EMPTY_LIST + pickle.MARK
                                           + a.ustr("touch") + a.ustr(str(p.marker)) + pickle.APPENDS
                                           + pickle.TUPLE1 + pickle.REDUCE + pickle.STOP)),
        _s("multiple_stream_attack", "tests/assets/pickles/multiple_stream_attack.pkl (modelaudit pickle tests)",
           "benign dict stream followed by a second stream calling builtins.eval", "multiple_stream_attack.pkl",
           lambda p: pickle.dumps({"model": "safe_weights"}, protocol=5) + a.call("builtins", "eval", [p.expr], 5)),
        _s("nt_alias_attack", "tests/test_os_alias_detection.py", "bare STACK_GLOBAL nt.system (no call)",
           "nt_alias_attack.pkl", lambda _: a.wrap(a.stack_global("nt", "system"), 4)),
        _s("posix_alias_attack", "tests/test_os_alias_detection.py", "bare STACK_GLOBAL posix.system (no call)",
           "posix_alias_attack.pkl", lambda _: a.wrap(a.stack_global("posix", "system"), 4)),
        _s("stack_global_attack", "tests/assets/pickles/stack_global_attack.pkl (modelaudit pickle tests)",
           "posix.system(cmd) protocol 5", "stack_global_attack.pkl",
           lambda p: a.call("posix", "system", [p.cmd], 5)),
        PeerSample("modelaudit/malicious_pyfunc", "tests/scanners/test_tf_savedmodel_scanner.py "
                   "(samples/tensorflow/malicious_pyfunc)", "SavedModel graph with a PyFunc node",
                   lambda folder, _: _dir(folder / "malicious_pyfunc", "saved_model.pb", _savedmodel("PyFunc"))),
        PeerSample("modelaudit/safe_savedmodel", "tests/scanners/test_tf_savedmodel_scanner.py "
                   "(samples/tensorflow/safe_savedmodel)", "SavedModel graph with one Const node",
                   lambda folder, _: _dir(folder / "safe_savedmodel", "saved_model.pb", _savedmodel(""))),
        # Keras 3 .keras configs (test_keras_zip_scanner.py)
        _s("keras_lambda_exec", f"{KZ}::test_lambda_layer_with_exec", "Functional with a Lambda whose base64 "
           "function source calls exec", "model.keras",
           _keras({"class_name": "Functional", "config": {"layers": [
               {"class_name": "InputLayer", "name": "input_1", "config": {}},
               {"class_name": "Lambda", "name": "lambda_1", "config": {
                   "function": [_b64("exec(\"open('PAYLOAD_RAN','w')\")"), None, None],
                   "function_type": "lambda"}}]}})),
        _s("keras_lambda_multiple_patterns", f"{KZ}::test_multiple_dangerous_patterns", "Lambda source with "
           "import os / subprocess / eval", "model.keras",
           _keras(_seq({"class_name": "Lambda", "name": "lambda_1", "config": {
               "function": [_b64("import os\nimport subprocess\neval('1')\nos.system('true')"), None, None]}}))),
        _s("keras_nested_lambda", f"{KZ}::test_nested_models", "Lambda with exec inside a nested Model",
           "model.keras",
           _keras({"class_name": "Model", "config": {"layers": [{"class_name": "Model", "config": {"layers": [
               {"class_name": "Lambda", "config": {"function": [_b64("exec('x=1')"), None, None]}}]}}]}})),
        _s("keras_torch_module_wrapper", f"{KZ}::TestCVE202549655TorchModuleWrapper::"
           "test_torch_module_wrapper_detected_critical", "TorchModuleWrapper layer (CVE-2025-49655), Keras 3.10",
           "model.keras", _keras(_seq(_layer("TorchModuleWrapper", {"module": "my_torch_module"},
                                              "keras.layers")))),
        _s("keras_nested_torch_module_wrapper", f"{KZ}::TestCVE202549655TorchModuleWrapper::"
           "test_nested_torch_module_wrapper", "TorchModuleWrapper inside a nested Model", "model.keras",
           _keras({"class_name": "Model", "config": {"layers": [{"class_name": "Model", "config": {"layers": [
               _layer("TorchModuleWrapper", {"name": "wrapper"})]}}]}})),
        _s("keras_dense_module_os", f"{KZ}::test_dangerous_module_os_in_layer", "Dense layer whose module is 'os'",
           "model.keras", _keras(_seq(_layer("Dense", {"units": 10, "name": "dense"}, "os")))),
        _s("keras_fn_module_subprocess", f"{KZ}::test_dangerous_module_subprocess_in_fn_module",
           "Dense config with fn_module 'subprocess'", "model.keras",
           _keras({"class_name": "Functional", "config": {"layers": [
               _layer("Dense", {"units": 10, "fn_module": "subprocess"})]}})),
        _s("keras_module_builtins", f"{KZ}::test_dangerous_module_builtins_dotpath", "Dense layer whose module is "
           "'builtins'", "model.keras", _keras(_seq(_layer("Dense", {"units": 10}, "builtins")))),
        _s("keras_lambda_custom_package", f"{KZ}::test_untrusted_module_custom_package", "Lambda whose module is an "
           "untrusted custom package", "model.keras",
           _keras(_seq(_layer("Lambda", {"function": "evil_fn"}, "my_custom_package.utils")))),
        _s("keras_nested_module_shutil", f"{KZ}::test_nested_model_module_reference", "Dense with module 'shutil' "
           "inside a nested Model", "model.keras",
           _keras({"class_name": "Model", "config": {"layers": [{"class_name": "Model", "config": {"layers": [
               _layer("Dense", {"units": 1}, "shutil")]}}]}})),
        _s("keras_lambda_mathutils", f"{KZ}::test_prefix_collision_module_is_not_allowlisted", "Lambda with module "
           "'mathutils' (prefix of the safe 'math')", "model.keras",
           _keras(_seq(_layer("Lambda", {"function": "f"}, "mathutils")))),
        _s("keras_get_file_url", f"{KZ}::test_get_file_with_url_detected", "keras.utils get_file with an https URL "
           "(CVE-2025-8747)", "model.keras",
           _keras(_seq(_layer("Dense", {"fn": "get_file", "url": "https://127.0.0.1:9/payload.bin"}, "keras.utils")))),
        _s("keras_get_file_url_args", f"{KZ}::test_get_file_with_url_in_args_list_detected", "get_file with the URL "
           "in an args list", "model.keras",
           _keras(_seq(_layer("Dense", {"fn": "get_file", "args": ["https://127.0.0.1:9/payload.bin"]})))),
        _s("keras_get_file_url_comment", f"{KZ}::test_get_file_with_url_and_comment_token_detected", "get_file URL "
           "carrying a #comment token", "model.keras",
           _keras(_seq(_layer("Dense", {"fn": "get_file", "url": "https://127.0.0.1:9/payload.bin#comment-token"})))),
        _s("keras_dense_safe", f"{KZ}::TestCVE202549655TorchModuleWrapper::test_no_false_positive_dense_layer",
           "plain Dense layer", "model.keras", _keras(_seq(_layer("Dense", {"units": 10})))),
        _s("keras_module_keras_layers", f"{KZ}::test_safe_keras_module_no_false_positive", "Dense, module "
           "keras.layers", "model.keras", _keras(_seq(_layer("Dense", {"units": 10}, "keras.layers")))),
        _s("keras_module_tf_keras_layers", f"{KZ}::test_safe_tensorflow_module_no_false_positive", "Dense, module "
           "tensorflow.keras.layers", "model.keras",
           _keras(_seq(_layer("Dense", {"units": 10}, "tensorflow.keras.layers")))),
        _s("keras_module_none", f"{KZ}::test_none_module_value_not_flagged", "Dense, module null", "model.keras",
           _keras(_seq(_layer("Dense", {"units": 10}, None)))),
        _s("keras_get_file_no_url", f"{KZ}::test_get_file_without_url_no_trigger", "get_file with a local path only",
           "model.keras", _keras(_seq(_layer("Dense", {"fn": "get_file", "path": "/local/file.h5"})))),
        _s("keras_normal_config", f"{KZ}::test_no_false_positive_normal_config", "Sequential of one Dense",
           "model.keras", _keras({"class_name": "Sequential", "config": {"layers": [
               {"class_name": "Dense", "name": "dense_1", "config": {"units": 10}}]}})),
        _s("keras_get_file_and_url_apart", f"{KZ}::test_get_file_and_url_in_different_contexts_not_flagged",
           "fn get_file in a layer, a download_url in unrelated metadata", "model.keras",
           _keras({"class_name": "Model", "config": {
               "layers": [{"class_name": "Dense", "name": "dense_1", "config": {"fn": "get_file"}}],
               "metadata": {"download_url": "https://example.com/model-info"}}})),
    ]
    return out  # noqa: RET504 - one list literal, returned


def _dir(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    (folder / "variables").mkdir(exist_ok=True)
    return folder
