# expect: 502
import yaml


def load_config(text: str) -> dict:
    """Parse a YAML document uploaded by the user."""
    return yaml.load(text, Loader=yaml.Loader)
