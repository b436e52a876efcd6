def apply_defaults(func):
    return func
