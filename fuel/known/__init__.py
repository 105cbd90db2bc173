"""Known upstream issues shipped with fuel, one YAML file per torch release line.

Each entry names a PyTorch issue, the torch versions it was verified on (``affects``:
version prefixes), and a rule on fuel's records: ``class`` (a glob over the root-cause
class's text: ``kind|layer|operators|exception|message``; the operators field is one
pattern every operator of the class must match), ``message`` (a regular
expression searched in the verdict) or ``signature`` (a glob over the signature's text).
Entries are added only after the match was checked by hand against the public issue.
An entry of one release whose fixture no longer shows the bug on the next one says so
(``fixed_in``) and is left out of the next release's file.
See :mod:`fuel.store.known`.
"""
