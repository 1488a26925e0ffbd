"""The sandbox's config as values: the scripts load what `journeyq simulate --write-config` wrote, pick destinations,
set keys and add sections as data, and write the result (YAML), so that no script edits config text."""
import yaml


def load(path):
    """The whole config `journeyq simulate --write-config` wrote to `path`."""
    with open(path) as f:
        return yaml.safe_load(f)


def destination(path, name, **settings):
    """The destination `name` of the sandbox's config at `path`, with `settings` set (None removes a key)."""
    chosen = dict(load(path)['destinations'][name])
    for key, value in settings.items():
        if value is None:
            chosen.pop(key, None)
        else:
            chosen[key] = value
    return chosen


def write(path, config):
    """Writes `config` (a dict: destinations, and http, retention, notify as wanted) as YAML."""
    with open(path, 'w') as f:
        yaml.safe_dump(config, f, sort_keys=False, default_flow_style=False)
