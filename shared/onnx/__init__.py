"""Running exported models: one ONNX Runtime session per model and process, and the
classifier over it."""
