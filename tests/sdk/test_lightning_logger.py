"""The Lightning logger: a real Trainer fitting a tiny model reports its metrics and hyperparameters to a
real server, as a script run."""

from __future__ import annotations

from pathlib import Path

import httpx
import lightning.pytorch as pl
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from tests.backend.backend_server import ServerProcess
from trainboard.sdk.lightning_logger import TrainboardLogger


class Tiny(pl.LightningModule):
    def __init__(self, lr: float = 0.1, hidden: int = 8) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(nn.Linear(4, hidden), nn.ReLU(), nn.Linear(hidden, 2))

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], index: int) -> torch.Tensor:
        images, labels = batch
        loss = nn.functional.cross_entropy(self.net(images), labels)
        self.log("train/loss", loss)
        return loss

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


def test_a_lightning_fit_reports_its_hyperparameters_and_every_logged_step(tmp_path: Path, one_thread: None) -> None:
    server = ServerProcess(tmp_path).start()
    try:
        torch.manual_seed(0)
        data = TensorDataset(torch.randn(64, 4), torch.randint(0, 2, (64,)))
        logger = TrainboardLogger(name="lightning fit", server=server.url)
        trainer = pl.Trainer(max_epochs=2, logger=logger, log_every_n_steps=1, enable_checkpointing=False,
                             enable_progress_bar=False, enable_model_summary=False, accelerator="cpu",
                             default_root_dir=tmp_path)
        trainer.fit(Tiny(lr=0.05), DataLoader(data, batch_size=16))
        run = httpx.get(f"{server.url}/api/runs/{logger.version}", timeout=10).json()
        assert (run["kind"], run["status"], run["name"]) == ("external", "succeeded", "lightning fit")
        assert run["config"] == {"lr": 0.05, "hidden": 8}
        series = httpx.get(f"{server.url}/api/runs/{run['id']}/metrics", timeout=10).json()["series"]
        assert series["train/loss"]["steps"] == list(range(0, 8))  # Lightning's global steps: 4 a epoch, from 0
        assert series["epoch"]["total"] == 8
    finally:
        server.stop()
