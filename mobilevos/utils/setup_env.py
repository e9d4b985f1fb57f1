"""Registration of every mobilevos module and the default registry scope."""
import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every mobilevos module that registers something.

    Registries import their ``locations`` lazily, so calling this is only
    needed to list what is registered or to build outside a runner.

    Args:
        init_default_scope: also make ``mobilevos`` the default scope, so that
            un-prefixed ``type`` names resolve in our registries first.
    """
    import mobilevos.datasets  # noqa: F401
    import mobilevos.engine  # noqa: F401
    import mobilevos.evaluation  # noqa: F401
    import mobilevos.models  # noqa: F401
    import mobilevos.visualization  # noqa: F401

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None:
        DefaultScope.get_instance('mobilevos', scope_name='mobilevos')
    elif current.scope_name != 'mobilevos':
        warnings.warn(f'The current default scope "{current.scope_name}" is not "mobilevos"; '
                      'register_all_modules() is creating a new default scope "mobilevos".')
        name = f'mobilevos-{datetime.datetime.now()}'
        DefaultScope.get_instance(name, scope_name='mobilevos')
