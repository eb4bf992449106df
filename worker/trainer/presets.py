"""Named run configs: the seed report's experiments plus a fast GPU recipe. No torch import."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from trainboard.trainer.config import TrainConfig, config_class

# The seed's ResNet runs used weight_decay = 5e-4 * batch_size with batch 64. Channels-last because
# benchmarks/memory_format.py measured it 1.18-1.22x eager for this network on the CPU; not compiled, because
# compiling added nothing to that (1.01x at two threads, 0.93x at one) for half a minute of compilation per run.
# The `fast` preset is for a GPU, where neither is measured.
_SEED_RESNET = dict(model="seed_resnet", batch_size=64, optimizer="sgd", lr=5e-3, momentum=0.9, weight_decay=5e-4 * 64,
                    channels_last=True)


@dataclass(frozen=True)
class Preset:
    """A named set of config fields and the test accuracy the reference run reached."""

    name: str
    description: str
    fields: dict[str, Any]
    reference_test_accuracy: float | None = None  # percent, as reported by the seed (or the target)
    reference_per_class: dict[str, float] = field(default_factory=dict)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in [
        Preset(
            "origin-2ep",
            "PyTorch tutorial CNN, SGD lr 0.001 momentum 0.9, batch 4, 2 epochs (seed: 53 % test)",
            dict(model="tutorial_cnn", dataset="cifar10", epochs=2, batch_size=4, optimizer="sgd", lr=0.001,
                 momentum=0.9, schedule="constant", normalize="half", log_every=500),
            53.0,
            dict(plane=33, car=79, bird=32, cat=59, deer=56, dog=27, frog=63, horse=54, ship=80, truck=51),
        ),
        Preset(
            "origin-4ep",
            "The tutorial CNN trained twice as long: 4 epochs (seed: 61 % train, 57 % test)",
            dict(model="tutorial_cnn", dataset="cifar10", epochs=4, batch_size=4, optimizer="sgd", lr=0.001,
                 momentum=0.9, schedule="constant", normalize="half", log_every=500),
            57.0,
            dict(plane=55, car=76, bird=52, cat=32, deer=65, dog=52, frog=52, horse=67, ship=81, truck=39),
        ),
        Preset(
            "resnet-24ep",
            "Seed ResNet, SGD lr 5e-3 cosine, wd 5e-4 x 64, batch 64, 24 epochs, no augmentation (seed: 82 %)",
            dict(_SEED_RESNET, dataset="cifar10", epochs=24, schedule="cosine", normalize="half"),
            82.0,
            dict(plane=87, car=88, bird=77, cat=61, deer=83, dog=79, frog=91, horse=85, ship=94, truck=85),
        ),
        Preset(
            "resnet-24ep-aug",
            "As resnet-24ep with Pad(4) + RandomCrop(32) + horizontal flip (seed: 91 % train, 88 % test)",
            dict(_SEED_RESNET, dataset="cifar10", epochs=24, schedule="cosine", normalize="half",
                 pad_crop=True, flip=True),
            88.0,
            dict(plane=87, car=98, bird=77, cat=80, deer=90, dog=79, frog=89, horse=92, ship=96, truck=93),
        ),
        Preset(
            "resnet-lrfind",
            "The seed's LR range test: seed ResNet, exponential sweep to lr 1 over 300 steps, EMA 0.05",
            # epochs and schedule are those of the run the suggestion is for (resnet-24ep).
            dict(_SEED_RESNET, kind="lr_find", dataset="cifar10", epochs=24, schedule="cosine", start_lr=1e-7, end_lr=1.0, num_iter=300,
                 mode="exp", smooth=0.05, diverge=5.0, normalize="half"),
        ),
        Preset(
            "fast",
            "ResNet-9 (DAWNBench) with one-cycle SGD-Nesterov, label smoothing, crop/flip/cutout, bf16; "
            "a GPU recipe whose accuracy has not been measured yet",
            dict(model="resnet9", dataset="cifar10", epochs=10, batch_size=512, optimizer="sgd", lr=0.2,
                 momentum=0.9, nesterov=True, weight_decay=5e-4, schedule="onecycle", label_smoothing=0.2,
                 pad_crop=True, flip=True, cutout=8, normalize="dataset", bf16=True, log_every=20),
            None,  # no run of it has been measured (it needs a GPU): no reference to show
        ),
    ]
}


class UnknownPresetError(ValueError):
    """A preset name that is not in PRESETS."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown preset {name!r}; valid presets: {', '.join(PRESETS)}")


def preset_fields(name: str) -> dict[str, Any]:
    """The config fields of a preset (a copy), or UnknownPresetError listing the valid names."""
    if name not in PRESETS:
        raise UnknownPresetError(name)
    return dict(PRESETS[name].fields)


def build_config(preset: str | None = None, overrides: dict[str, Any] | None = None) -> TrainConfig:
    """Validate a config from an optional preset plus field overrides (overrides win).

    Raises UnknownPresetError or pydantic.ValidationError naming each bad field.
    """
    fields = preset_fields(preset) if preset else {}
    fields.update(overrides or {})
    kind = fields.get("kind", "train")
    if kind not in ("train", "lr_find"):
        # Let pydantic produce the standard error for the 'kind' field.
        return TrainConfig.model_validate(fields)
    return config_class(kind).model_validate(fields)


__all__ = ["PRESETS", "Preset", "UnknownPresetError", "preset_fields", "build_config", "ValidationError"]
