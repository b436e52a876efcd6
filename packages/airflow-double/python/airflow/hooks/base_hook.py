class BaseHook(object):
    def __init__(self, source=None):
        pass
