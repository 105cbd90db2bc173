"""The judge: turns what a worker saw into a verdict, by the rules of ORACLE.md."""
