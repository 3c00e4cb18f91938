"""The loopback RDAP simulator: a real HTTP server on 127.0.0.1 for the demo and the tests."""
