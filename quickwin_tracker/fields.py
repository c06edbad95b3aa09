"""Form fields shared by several features."""

from wtforms import IntegerField

WTFORMS_NOT_AN_INTEGER = "Not a valid integer value."


class BoundedIntegerField(IntegerField):
    """An IntegerField that refuses numbers beyond a 32-bit integer as "not a valid integer".
    (WTForms' ``NumberRange`` calls ``math.isnan()``, which raises OverflowError on huge ints.)"""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not -(2**31) <= self.data < 2**31:
            self.data = None
            # WTForms' own message, translated by WTForms' catalogue (so not a literal here).
            raise ValueError(self.gettext(WTFORMS_NOT_AN_INTEGER))
