"""The Meeting Records API. `create_app` (in `api.http.app`) wires settings, database, errors and
blueprints; it is imported when first used, so that commands which never serve (`meetings
import`, `export`, `migrate`) start without loading the web framework's extensions."""


def create_app(config: dict | None = None):
    from api.http.app import create_app as make

    return make(config)
