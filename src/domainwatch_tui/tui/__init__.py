"""The dashboard (Textual). Everything here reads the store and calls the core."""
