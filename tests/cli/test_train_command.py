"""The `trainboard` command: train end to end in a subprocess, list models/presets, one-line errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.plugin_files.files import write_npz_dataset, write_plugin
from trainboard.cli.commands.train import config_from_args
from trainboard.cli.main import build_parser, main

TRAINBOARD = Path(sys.executable).parent / "trainboard"


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    return subprocess.run([str(TRAINBOARD), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_train_prints_the_seed_report_and_writes_result_json(tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = _run("train", "--preset", "origin-2ep", "--dataset", "synthetic", "--epochs", "1", "--train-limit", "512",
                "--test-limit", "256", "--batch-size", "32", "--device", "cpu", "--set", "log_every=4",
                "--set", "normalize=dataset", "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert re.fullmatch(r"Accuracy of the network on the 512 train images: \d{1,3} %", lines[0])
    assert re.fullmatch(r"Accuracy of the network on the 256 test images: \d{1,3} %", lines[1])
    assert [re.sub(r"\d+ %$", "N %", line) for line in lines[2:12]] == [
        f"Accuracy of pattern{k}: N %" for k in range(10)
    ]
    assert lines[12] == f"result: {out / 'result.json'}" and len(lines) == 13
    assert "step" in done.stderr  # the progress bar went to stderr

    result = json.loads((out / "result.json").read_text())
    assert result["config"]["dataset"] == "synthetic" and result["config"]["model"] == "tutorial_cnn"
    assert result["config"]["lr"] == 0.001 and result["config"]["normalize"] == "dataset"  # preset + overrides
    assert result["curves"]["loss"]["step"] == list(range(1, 17))
    assert result["curves"]["train_loss"]["step"] == [1]
    assert len(result["confusion"]) == 10 and sum(map(sum, result["confusion"])) == 256
    assert list(result["per_class"]) == [f"pattern{k}" for k in range(10)]
    assert result["throughput"]["images_per_s"] > 0
    assert (out / "checkpoint.pt").is_file()


def test_bad_preset_exits_2_with_one_line_listing_presets(tmp_path: Path) -> None:
    done = _run("train", "--preset", "origin-9ep", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "error: preset: unknown preset 'origin-9ep'; valid presets: "
        "origin-2ep, origin-4ep, resnet-24ep, resnet-24ep-aug, resnet-lrfind, fast"
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--epochs", "0"], "error: epochs: Input should be greater than 0"),
        (["--model", "vgg"], "error: model: unknown model 'vgg'; valid models: tutorial_cnn, seed_resnet, resnet9, resnet18 "
                            "(or a plugin's, with --plugin)"),
        (["--dataset", "synthetic", "--batch-size", "5000"],
         "error: batch_size 5000 is larger than the 4096 training images of synthetic"),
        (["--lr", "fast"], "error: train: argument --lr: invalid float value: 'fast'"),
        (["--set", "schedule"], "error: --set: expected FIELD=VALUE, got 'schedule'"),
        (["--set", "schedule=linear"],
         "error: schedule: Input should be 'constant', 'cosine', 'onecycle' or 'step'"),
        (["--preset", "resnet-lrfind"],
         "error: preset: 'resnet-lrfind' is an LR range test, not a training run; use `trainboard lr-find`"),
    ],
)
def test_bad_train_input_is_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", *args]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [message]
    assert captured.out == ""


def test_unknown_set_field_lists_the_fields(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--set", "epoch=3"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: epoch: unknown field; valid fields: kind, name, model,") and err.count("\n") == 1


def test_set_values_are_converted_by_the_config() -> None:
    parser_args = ["train", "--preset", "fast", "--epochs", "3", "--set", "pad_crop=false", "--set", "cutout=0",
                   "--set", "feature_layers=[\"prep.conv\"]", "--set", "warmup_epochs=0.5"]
    config = config_from_args(build_parser().parse_args(parser_args))
    assert (config.model, config.epochs, config.pad_crop, config.cutout) == ("resnet9", 3, False, 0)
    assert config.feature_layers == ["prep.conv"] and config.warmup_epochs == 0.5
    assert config.flip is True  # untouched preset fields stay


def test_models_lists_names_parameters_descriptions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["name", "parameters", "options", "description"]
    rows = {line.split()[0]: line.split()[1] for line in out[1:]}
    assert rows["tutorial_cnn"] == "62,006"
    assert set(rows) == {"tutorial_cnn", "seed_resnet", "resnet9", "resnet18"}


def test_presets_lists_reference_accuracies(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["presets", "--json"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["origin-2ep"]["reference_test_accuracy"] == 53.0
    assert rows["origin-2ep"]["reference_per_class"]["plane"] == 33
    assert rows["resnet-24ep-aug"]["epochs"] == 24
    assert rows["resnet-lrfind"]["kind"] == "lr_find"
    assert main(["presets"]) == 0
    table = capsys.readouterr().out
    assert re.search(r"^origin-4ep\s+train\s+tutorial_cnn\s+4\s+57 %", table, re.MULTILINE)


def test_parser_and_help_do_not_import_torch() -> None:
    code = "import sys; from trainboard.cli.main import build_parser; build_parser(); print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr


def test_train_runs_a_plugin_network_with_its_options_on_an_npz_dataset(tmp_path: Path) -> None:
    plugin = write_plugin(tmp_path)
    write_npz_dataset(tmp_path / "data")
    out = tmp_path / "run"
    done = _run("train", "--plugin", str(plugin), "--model", "wide_cnn", "--model-arg", "width=6",
                "--dataset", "bands", "--data-dir", str(tmp_path / "data"), "--epochs", "2", "--batch-size", "16",
                "--lr", "0.05", "--device", "cpu", "--set", "normalize=dataset", "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads((out / "result.json").read_text())
    assert result["config"]["model_args"] == {"width": 6}
    assert list(result["per_class"]) == ["red", "green", "blue"]
    assert sum(map(sum, result["confusion"])) == 90
    assert result["summary"]["test_accuracy"] > 0.6  # three classes: chance is 1/3


def test_a_plugin_network_without_its_plugin_or_with_a_bad_option_is_one_line(tmp_path: Path) -> None:
    plugin = write_plugin(tmp_path)
    missing = _run("train", "--model", "wide_cnn", "--dataset", "synthetic", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.splitlines()[-1].startswith("error: model: unknown model 'wide_cnn'; valid models: tutorial_cnn")
    bad = _run("train", "--plugin", str(plugin), "--model", "wide_cnn", "--model-arg", "width=wide",
               "--dataset", "synthetic", "--device", "cpu", cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.splitlines()[-1] == "error: model_args.width: expected int, got 'wide'"


def test_models_lists_a_plugins_network_with_its_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from trainboard.plugins.registry import unregister

    try:
        assert main(["models", "--plugin", str(write_plugin(tmp_path))]) == 0
        lines = capsys.readouterr().out.splitlines()
    finally:
        unregister("wide_cnn")
        unregister("plugin-bands")
    row = next(line for line in lines if line.startswith("wide_cnn"))
    assert "width: int = 8, dropout: float = 0.0" in row and "Two convolutions" in row
