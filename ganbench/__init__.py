"""ganbench: a pluggable, gin-configured harness for benchmarking GANs."""
__version__ = "0.1.0"
