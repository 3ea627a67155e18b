"""The package's version: the API document reports it."""

VERSION = "0.1.0"
