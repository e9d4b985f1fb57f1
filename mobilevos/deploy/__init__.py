"""Export to ONNX and CoreML."""
