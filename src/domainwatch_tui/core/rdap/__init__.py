"""RDAP: bootstrap (RFC 9224), parsing (RFC 9083 JSON -> Evidence) and the polite async client."""
