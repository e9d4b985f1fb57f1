# Core ML ML program (.mlpackage). coremltools converts and saves on Linux; predict() needs macOS/iOS.
backend_config = dict(type='coreml', convert_to='mlprogram', precision='fp32', minimum_deployment_target='iOS16')
