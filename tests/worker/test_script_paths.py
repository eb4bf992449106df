"""Where a script run may run, and how its command becomes arguments: inside the allowed folders, no shell."""

from __future__ import annotations

import pytest

from trainboard.common.script_paths import allowed_by, command_args, command_fields, is_inside


@pytest.mark.parametrize(
    ("path", "inside"),
    [("/srv/jobs", True), ("/srv/jobs/a/b", True), ("/srv/jobs/../etc", False), ("/srv/jobsx", False),
     ("/srv", False), ("srv/jobs", False), ("/srv/jobs/./a", True)],
)
def test_a_folder_is_inside_only_when_it_is_the_folder_or_below_it(path: str, inside: bool) -> None:
    assert is_inside(path, "/srv/jobs") is inside
    assert allowed_by(path, ["/elsewhere", "/srv/jobs"]) is inside


def test_each_argument_is_filled_on_its_own_so_a_value_adds_no_arguments() -> None:
    command = "python 'my train.py' --lr {lr} --name {name}"
    assert command_fields(command) == ["lr", "name"]
    args = command_args(command, {"lr": 0.1, "name": "a b; rm -rf / $(id)"})
    assert args == ["python", "my train.py", "--lr", "0.1", "--name", "a b; rm -rf / $(id)"]
