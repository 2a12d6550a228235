"""Only ExpansionError: a failed `${...}` expansion reported by tsbake's datastore."""
from ._strict import strict_getattr


class ExpansionError(Exception):
    def __init__(self, varname, expression, exception):
        self.variablename = varname
        self.expression = expression
        self.exception = exception
        self.msg = str(exception) if varname is None and expression is None else (
            "Failure expanding variable %s, expression was %s which triggered exception %s: %s"
            % (varname, expression, type(exception).__name__, exception))
        Exception.__init__(self, self.msg)

    def __str__(self):
        return self.msg


__getattr__ = strict_getattr("bb.data_smart")
