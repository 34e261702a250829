# expect:
import yaml


def load_config(text: str) -> dict:
    """Parse a YAML document uploaded by the user."""
    return yaml.safe_load(text)
