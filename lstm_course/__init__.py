"""lstm_course: the helper package of a hands-on course on LSTMs with PyTorch.

Import what you need from its modules, e.g. `from lstm_course.cells import LSTMCell`;
importing the package itself does nothing else.
"""

__version__ = "0.1.0"
