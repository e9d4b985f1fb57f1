# LiteRT (TFLite, .tflite) through litert-torch, fp32. litert-torch is not in the main environment:
# tools/install_litert.sh makes a separate one (docs/deploy.md, "LiteRT"). Static shapes only.
backend_config = dict(type='litert', precision='fp32')
