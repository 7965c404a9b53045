"""ONNX-friendly StyleGAN2 generator with official StyleGAN2-ADA parameter names."""
from .networks import Generator, MappingNetwork, SynthesisNetwork, ws_resolutions  # noqa: F401
