"""Dataset readers (CIFAR-10 pickles, Fashion-MNIST IDX), the tensor cache, synthetic data and availability."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from data_fixtures import write_cifar10_folder, write_cifar10_tarball, write_fashion_mnist

from trainboard.trainer.config import DATASET_TEST_SIZES, DATASET_TRAIN_SIZES
from trainboard.trainer.data import DatasetUnavailableError, ImageData, dataset_status, default_data_dir, load_dataset
from trainboard.trainer.data.cache import CACHE_VERSION
from trainboard.trainer.data.cifar10 import URL_ENV
from trainboard.trainer.data.fashion_mnist import read_fashion_mnist, read_idx
from trainboard.trainer.data.images import channel_stats
from trainboard.trainer.data.paths import SYSTEM_DATASETS_DIR, cache_path
from trainboard.trainer.data.synthetic import make_synthetic

SEED_CIFAR10_CLASSES = ["plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def _closed_port_url() -> str:
    """A URL on a loopback port nobody listens on: connecting fails at once, without touching the network."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/cifar-10-python.tar.gz"


def _same_tensors(a: ImageData, b: ImageData) -> bool:
    return all(torch.equal(getattr(a, k), getattr(b, k)) for k in ("train_x", "train_y", "test_x", "test_y"))


def test_cifar10_reader_decodes_the_pickle_batches_channel_first(tmp_path: Path) -> None:
    arrays = write_cifar10_folder(tmp_path, per_batch=10)
    data = load_dataset("cifar10", tmp_path, download=False)
    assert data.train_x.shape == (50, 3, 32, 32) and data.train_x.dtype == torch.uint8
    assert data.test_x.shape == (10, 3, 32, 32)
    assert data.train_y.dtype == torch.int64 and data.train_y.tolist() == arrays["train_labels"].tolist()
    assert data.test_y.tolist() == arrays["test_labels"].tolist()
    # A row is 1024 red values, then green, then blue, each a row-major 32x32 plane.
    first = arrays["train_rows"][0]
    assert data.train_x[0, 0].numpy().tolist() == first[:1024].reshape(32, 32).tolist()
    assert data.train_x[0, 2].numpy().tolist() == first[2048:].reshape(32, 32).tolist()
    assert data.test_x.numpy().tolist() == arrays["test_rows"].reshape(10, 3, 32, 32).tolist()
    assert data.classes == SEED_CIFAR10_CLASSES and data.name == "cifar10"
    expected_mean = arrays["train_rows"].reshape(50, 3, 1024).mean(axis=(0, 2)) / 255
    assert data.mean == pytest.approx(tuple(expected_mean), abs=1e-5)


def test_cifar10_reader_extracts_the_tarball(tmp_path: Path) -> None:
    arrays = write_cifar10_tarball(tmp_path, per_batch=4)
    assert dataset_status("cifar10", tmp_path)["status"] == "present"
    data = load_dataset("cifar10", tmp_path, download=False)
    assert data.train_x.shape == (20, 3, 32, 32)
    assert data.train_y.tolist() == arrays["train_labels"].tolist()
    assert (tmp_path / "cifar-10-batches-py" / "test_batch").is_file()


def test_cifar10_reader_requires_all_five_batches_and_the_test_batch(tmp_path: Path) -> None:
    write_cifar10_folder(tmp_path, per_batch=2)
    (tmp_path / "cifar-10-batches-py" / "data_batch_3").unlink()
    with pytest.raises(DatasetUnavailableError, match="data_batch_3"):
        load_dataset("cifar10", tmp_path, download=False)


def test_missing_cifar10_offline_fails_with_one_line_naming_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(URL_ENV, _closed_port_url())
    with pytest.raises(DatasetUnavailableError) as raised:
        load_dataset("cifar10", tmp_path)
    message = str(raised.value)
    assert "\n" not in message
    assert str(tmp_path) in message and "cifar-10-python.tar.gz" in message and "download" in message
    assert not (tmp_path / "cifar-10-python.tar.gz").exists()  # no partial file left to be mistaken for data


def test_cifar10_without_download_names_the_folder_and_file(tmp_path: Path) -> None:
    with pytest.raises(DatasetUnavailableError, match="downloads are off") as raised:
        load_dataset("cifar10", tmp_path, download=False)
    assert str(tmp_path) in str(raised.value) and "cifar-10-python.tar.gz" in str(raised.value)


def test_damaged_cifar10_tarball_is_reported_not_crashed(tmp_path: Path) -> None:
    (tmp_path / "cifar-10-python.tar.gz").write_bytes(b"not a tarball")
    with pytest.raises(DatasetUnavailableError, match="damaged"):
        load_dataset("cifar10", tmp_path, download=False)


def test_second_load_reads_the_cache_not_the_source_files(tmp_path: Path) -> None:
    write_cifar10_folder(tmp_path, per_batch=3)
    first = load_dataset("cifar10", tmp_path, download=False)
    assert cache_path(tmp_path, "cifar10").is_file()
    for file in (tmp_path / "cifar-10-batches-py").iterdir():
        file.unlink()
    second = load_dataset("cifar10", tmp_path, download=False)
    assert _same_tensors(first, second)
    assert (second.classes, second.mean, second.std) == (first.classes, first.mean, first.std)


def test_cache_of_another_version_is_rebuilt(tmp_path: Path) -> None:
    arrays = write_cifar10_folder(tmp_path, per_batch=2)
    cache = cache_path(tmp_path, "cifar10")
    cache.parent.mkdir(parents=True)
    torch.save({"version": CACHE_VERSION - 1, "name": "cifar10"}, cache)
    data = load_dataset("cifar10", tmp_path, download=False)
    assert data.train_y.tolist() == arrays["train_labels"].tolist()
    assert torch.load(cache, weights_only=True)["version"] == CACHE_VERSION


def test_fashion_mnist_reader_pads_28x28_idx_images_to_32x32(tmp_path: Path) -> None:
    arrays = write_fashion_mnist(tmp_path / "fashion-mnist", train=6, test=4)
    data = load_dataset("fashion-mnist", tmp_path)
    assert data.train_x.shape == (6, 1, 32, 32) and data.test_x.shape == (4, 1, 32, 32)
    assert data.train_x[:, 0, 2:30, 2:30].numpy().tolist() == arrays["train_images"].tolist()
    assert data.test_x[:, 0, 2:30, 2:30].numpy().tolist() == arrays["test_images"].tolist()
    border = data.train_x.clone()
    border[:, :, 2:30, 2:30] = 0
    assert int(border.sum()) == 0  # the 2-pixel frame is zeros
    assert data.train_y.tolist() == arrays["train_labels"].tolist()
    assert data.classes[0] == "t-shirt" and data.classes[9] == "boot" and len(data.classes) == 10


def test_idx_reader_rejects_a_file_that_is_not_idx(tmp_path: Path) -> None:
    import gzip

    with gzip.open(tmp_path / "bad.gz", "wb") as file:
        file.write(b"\x00\x00\x0d\x01\x00\x00\x00\x01\x00\x00\x00\x00")  # 0x0d = float, not unsigned byte
    with pytest.raises(DatasetUnavailableError, match="IDX"):
        read_idx(tmp_path / "bad.gz")


def test_fashion_mnist_absent_everywhere_says_how_to_install(tmp_path: Path) -> None:
    with pytest.raises(DatasetUnavailableError, match="apt-get install dataset-fashion-mnist"):
        read_fashion_mnist(tmp_path, system_dir=tmp_path / "no-system-datasets")


def test_installed_fashion_mnist_loads_60000_and_10000_then_reloads_from_its_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (SYSTEM_DATASETS_DIR / "fashion-mnist" / "train-images-idx3-ubyte.gz").is_file(), (
        "the suite needs Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist)"
    )
    first = load_dataset("fashion-mnist", tmp_path)
    assert first.train_x.shape == (60_000, 1, 32, 32) and first.test_x.shape == (10_000, 1, 32, 32)
    assert torch.bincount(first.train_y).tolist() == [6000] * 10
    assert first.train_x.shape[0] == DATASET_TRAIN_SIZES["fashion-mnist"]
    assert first.test_x.shape[0] == DATASET_TEST_SIZES["fashion-mnist"]
    assert (tmp_path / "cache" / "fashion-mnist.pt").is_file()

    def no_decoding(*_args: object) -> None:
        raise AssertionError("the second load decoded the IDX files again instead of reading the cache")

    monkeypatch.setattr("trainboard.trainer.data.registry._decode_builtin", no_decoding)
    second = load_dataset("fashion-mnist", tmp_path)
    assert _same_tensors(first, second)


def test_synthetic_data_is_deterministic_and_sized_as_the_config_says() -> None:
    first = make_synthetic()
    second = load_dataset("synthetic")
    assert _same_tensors(first, second)
    assert first.train_x.shape == (DATASET_TRAIN_SIZES["synthetic"], 3, 32, 32)
    assert first.test_x.shape == (DATASET_TEST_SIZES["synthetic"], 3, 32, 32)
    counts = torch.bincount(first.train_y, minlength=10)
    assert len(first.classes) == 10 and int(counts.min()) > 300  # every class well represented
    assert not _same_tensors(first, make_synthetic(seed=1))


def test_synthetic_classes_differ_in_their_mean_image() -> None:
    data = make_synthetic()
    means = torch.stack([data.train_x[data.train_y == k].float().mean(0) for k in range(10)])  # (10, 3, 32, 32)
    distances = torch.cdist(means.flatten(1), means.flatten(1))
    off_diagonal = distances[~torch.eye(10, dtype=torch.bool)]
    assert float(off_diagonal.min()) > 100  # grey levels over 3072 pixels: templates are told apart


def test_channel_stats_are_the_mean_and_std_of_the_pixels_as_fractions() -> None:
    x = torch.randint(0, 256, (20, 3, 8, 8), generator=torch.Generator().manual_seed(0), dtype=torch.uint8)
    mean, std = channel_stats(x)
    as_float = x.double().div(255).transpose(0, 1).reshape(3, -1)
    assert mean == pytest.approx(as_float.mean(1).tolist(), abs=1e-6)
    assert std == pytest.approx(as_float.std(1, unbiased=False).tolist(), abs=1e-6)


def test_limit_keeps_the_first_images_and_the_full_split_statistics() -> None:
    data = make_synthetic()
    small = data.limit(train=5, test=3)
    assert torch.equal(small.train_x, data.train_x[:5]) and torch.equal(small.test_y, data.test_y[:3])
    assert (small.mean, small.std, small.classes) == (data.mean, data.std, data.classes)
    assert data.limit(None, None).train_x.shape == data.train_x.shape


def test_image_data_refuses_float_images() -> None:
    with pytest.raises(ValueError, match="uint8"):
        ImageData(torch.zeros(2, 3, 32, 32), torch.zeros(2, dtype=torch.int64), torch.zeros(1, 3, 32, 32,
                  dtype=torch.uint8), torch.zeros(1, dtype=torch.int64), ["a"], (0.5,) * 3, (0.5,) * 3, "bad")


def test_dataset_status_reports_present_downloadable_and_missing(tmp_path: Path) -> None:
    assert dataset_status("synthetic", tmp_path)["status"] == "present"

    cifar = dataset_status("cifar10", tmp_path)
    assert cifar["status"] == "downloadable"
    assert str(tmp_path) in cifar["how"] and "cifar-10-python.tar.gz" in cifar["how"]
    write_cifar10_folder(tmp_path, per_batch=1)
    assert dataset_status("cifar10", tmp_path)["status"] == "present"

    no_system = tmp_path / "no-system-datasets"
    missing = dataset_status("fashion-mnist", tmp_path, system_dir=no_system)
    assert missing["status"] == "missing"
    assert "apt-get install dataset-fashion-mnist" in missing["how"]
    assert str(tmp_path / "fashion-mnist") in missing["how"]
    write_fashion_mnist(tmp_path / "fashion-mnist", train=1, test=1)
    present = dataset_status("fashion-mnist", tmp_path, system_dir=no_system)
    assert present == {**present, "status": "present", "path": str(tmp_path / "fashion-mnist")}

    with pytest.raises(ValueError, match="synthetic"):
        dataset_status("imagenet", tmp_path)


def test_installed_fashion_mnist_is_present_for_an_empty_data_dir(tmp_path: Path) -> None:
    status = dataset_status("fashion-mnist", tmp_path)
    assert status["status"] == "present" and status["path"] == str(SYSTEM_DATASETS_DIR / "fashion-mnist")


def test_unknown_dataset_name_lists_the_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cifar10, fashion-mnist, synthetic"):
        load_dataset("mnist-9", tmp_path)


def test_default_data_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAINBOARD_DATA_DIR", str(tmp_path))
    assert default_data_dir() == tmp_path
    monkeypatch.delenv("TRAINBOARD_DATA_DIR")
    assert default_data_dir().parts[-2:] == ("trainboard", "datasets")


def test_availability_and_listing_do_not_import_torch() -> None:
    code = (
        "import sys\n"
        "from worker.trainer.data.availability import dataset_status\n"
        "from worker.trainer.data import default_data_dir, load_dataset, DatasetUnavailableError\n"
        "from worker.trainer.models import describe_models, feature_layers\n"
        "dataset_status('cifar10'); describe_models(); feature_layers('resnet9')\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_dataset_lock_makes_a_second_loader_wait_for_the_first(tmp_path: Path) -> None:
    import threading

    from trainboard.trainer.data.locking import exclusive_lock

    events: list[str] = []
    first_holds = threading.Event()

    def second() -> None:
        first_holds.wait()
        with exclusive_lock(tmp_path / "cache" / "cifar10.lock"):
            events.append("second")

    thread = threading.Thread(target=second)
    thread.start()
    with exclusive_lock(tmp_path / "cache" / "cifar10.lock"):
        first_holds.set()
        time.sleep(0.3)  # the second thread is blocked on the lock meanwhile
        events.append("first done")
    thread.join(timeout=10)
    assert events == ["first done", "second"]
