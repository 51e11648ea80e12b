"""The room codec simulator: an SSH server speaking Cisco xAPI or Poly, over a codec model."""

from .model import CallRefused, CodecModel, Faults, SimCall
from .server import DIALECTS, CodecSimulator, generate_key, load_or_create_host_key

__all__ = ["DIALECTS", "CallRefused", "CodecModel", "CodecSimulator", "Faults", "SimCall",
           "generate_key", "load_or_create_host_key"]
