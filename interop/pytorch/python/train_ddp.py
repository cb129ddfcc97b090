"""Continues training a Tessera decoder under torch.distributed: DDP with ZeRO stage 1.

    /usr/bin/python3 train_ddp.py DIR [--steps N] [--lr X] [--ranks N]

DIR holds what @tessera/interop-pytorch's `exportDecoder` wrote: config.json, model.safetensors and
batch.safetensors (`tokens` [B, S+1] i32 to train on, `probe` [P, S] i32 to evaluate). Each of the
N processes (gloo, CPU) trains on its B/N rows; DDP averages the gradients, and
ZeroRedundancyOptimizer shards Adam's state over the ranks (ZeRO stage 1). Rank 0 writes
trained.safetensors (Tessera's names and layouts), trained-logits.safetensors (the probe's logits)
and report.json (first-step loss, losses, Adam state elements on each rank).
"""

import argparse
import json
import os

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.distributed.optim import ZeroRedundancyOptimizer
from torch.nn.parallel import DistributedDataParallel as DDP

from tessera_decoder import Decoder, load_safetensors, next_token_loss, save_safetensors


def run(rank, args):
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{os.path.join(args.dir, 'rendezvous')}", rank=rank, world_size=args.ranks)
    with open(os.path.join(args.dir, "config.json")) as f:
        config = json.load(f)
    model = Decoder(config)
    model.load_state_dict(load_safetensors(os.path.join(args.dir, "model.safetensors")), strict=True)
    batch = load_safetensors(os.path.join(args.dir, "batch.safetensors"))
    tokens = batch["tokens"]
    if tokens.shape[0] % args.ranks:
        raise ValueError(f"train_ddp: {tokens.shape[0]} rows do not split over {args.ranks} ranks")
    rows = tokens.shape[0] // args.ranks
    mine = tokens[rank * rows : (rank + 1) * rows]
    ddp = DDP(model)
    opt = ZeroRedundancyOptimizer(ddp.parameters(), optimizer_class=torch.optim.Adam, lr=args.lr)
    losses = []
    for _ in range(args.steps):
        opt.zero_grad()
        loss = next_token_loss(ddp, mine)
        loss.backward()
        opt.step()
        mean = loss.detach().clone()
        dist.all_reduce(mean)
        losses.append(mean.item() / args.ranks)
    # Adam's moments held by this rank's shard (the step counters are not optimizer state of size Ψ).
    local = sum(v.numel() for s in opt.optim.state.values() for k, v in s.items() if k in ("exp_avg", "exp_avg_sq"))
    counts = [torch.zeros(1, dtype=torch.int64) for _ in range(args.ranks)]
    dist.all_gather(counts, torch.tensor([local], dtype=torch.int64))
    if rank == 0:
        save_safetensors(os.path.join(args.dir, "trained.safetensors"), model.state_dict())
        with torch.no_grad():
            logits = model(batch["probe"].long())
        save_safetensors(os.path.join(args.dir, "trained-logits.safetensors"), {"logits": logits})
        report = {
            "first_loss": losses[0],
            "losses": losses,
            "state_elements": [int(c.item()) for c in counts],
            "parameters": sum(p.numel() for p in model.parameters()),
            "torch": torch.__version__,
        }
        with open(os.path.join(args.dir, "report.json"), "w") as f:
            json.dump(report, f)
    dist.destroy_process_group()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("dir")
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--ranks", type=int, default=2)
    args = p.parse_args()
    mp.spawn(run, args=(args,), nprocs=args.ranks, join=True)


if __name__ == "__main__":
    main()
