# Core ML ML program (.mlpackage), fp16 compute precision (inputs and outputs stay float32). coremltools converts and saves on Linux; predict() needs macOS/iOS.
backend_config = dict(type='coreml', convert_to='mlprogram', precision='fp16', minimum_deployment_target='iOS16')
