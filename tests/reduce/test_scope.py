"""The static refusal: candidates that cannot run never cost a run."""

from __future__ import annotations

from textwrap import dedent

from fuel.program import syntax
from fuel.reduce import scope


def problems(source: str) -> list[str]:
    return scope.problems(syntax.parse(dedent(source)))


def test_a_name_read_before_any_definition_is_caught() -> None:
    assert problems(
        """
        import torch

        class Model(torch.nn.Module):
            def forward(self, x):
                y = z + 1
                z = x * 2
                return y
        """
    ) == ["name 'z' is not defined"]


def test_loops_comprehensions_lambdas_and_module_names_are_defined() -> None:
    assert not problems(
        """
        import torch as t
        SCALE = 2

        def helper(v):
            return v * SCALE

        class Model(t.nn.Module):
            def forward(self, x):
                for i in range(3):
                    x = x + i
                parts = [p * 2 for p in x.unbind(0)]
                f = lambda q: q + 1
                try:
                    y = helper(f(x))
                except RuntimeError as error:
                    y = error
                return y, parts

        def make_inputs():
            return (t.randn(2),)
        """
    )


def test_attributes_never_set_are_caught_and_module_ones_are_not() -> None:
    source = """
    import torch

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(2, 2)

        def forward(self, x):
            if self.training:
                x = self.lin(x)
            return self.gone(x)
    """
    assert problems(source) == ["attribute 'self.gone' is never set"]
    unknown_base = source.replace("(torch.nn.Module)", "(torch.nn.Linear)")
    assert problems(unknown_base) == []  # a base we cannot see may set anything


def test_registered_buffers_and_parameters_are_set() -> None:
    """The built-in generator keeps dtypes in buffers (``register_buffer("dtype_x",
    ...)``): refusing reads of them refused every candidate of such programs."""
    source = """
    import torch

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("dtype_float16", torch.zeros((), dtype=torch.float16))
            self.register_parameter("w", torch.nn.Parameter(torch.ones(2)))

        def forward(self, x):
            return (x * self.w).to(self.dtype_float16.dtype) + self.gone
    """
    assert problems(source) == ["attribute 'self.gone' is never set"]
    computed = source.replace('"w"', '"w" + ""')
    assert problems(computed) == []  # a computed name may be any attribute
