#!/usr/bin/python3
"""PyTorch reference implementations of ParT and PCN for subq's jet benchmarks and tests.

ParT follows weaver-core v0.4.0 (weaver/nn/model/ParticleTransformer.py) with the paper's
example settings (use_pre_activation_pair=False, fc_params=[]), including its use of
torch.nn.MultiheadAttention, tril-packed pair features and the per-head scale c_attn.
PCN follows arXiv 2309.08630: ChebConv (K=16, lambda_max=2) 16->64->64->64, ReLU, mean, Linear.

  /usr/bin/python3 bench/jets_reference.py params
      -> JSON parameter counts (the numbers asserted in tests/jets/*_test.cpp)
  /usr/bin/python3 bench/jets_reference.py bench --model part --batch 256 --particles 128 \
      --threads 2 --data ../shared/data/jets/top_2000
      -> JSON with training and inference jets/s (same protocol as bench/jets_bench.cpp)
"""
import argparse
import json
import math
import time

import numpy as np
import torch
import torch.nn as nn


# ----------------------------------------------------------------------------- ParT (weaver)
def to_pt_rap_phi(x):
    px, py, pz, energy = x.split((1, 1, 1, 1), dim=1)
    pt = torch.sqrt(px ** 2 + py ** 2)
    rapidity = 0.5 * torch.log(1 + (2 * pz) / (energy - pz).clamp(min=1e-20))
    phi = torch.atan2(py, px)
    return pt, rapidity, phi


def delta_phi(a, b):
    return (a - b + math.pi) % (2 * math.pi) - math.pi


def pairwise_lv_fts(xi, xj, eps=1e-8):
    pti, rapi, phii = to_pt_rap_phi(xi)
    ptj, rapj, phij = to_pt_rap_phi(xj)
    delta = ((rapi - rapj) ** 2 + delta_phi(phii, phij) ** 2).sqrt()
    lndelta = torch.log(delta.clamp(min=eps))
    ptmin = torch.minimum(pti, ptj)
    lnkt = torch.log((ptmin * delta).clamp(min=eps))
    lnz = torch.log((ptmin / (pti + ptj).clamp(min=eps)).clamp(min=eps))
    xij = xi + xj
    m2 = (xij[:, 3:4].square() - xij[:, :3].square().sum(dim=1, keepdim=True)).clamp(min=eps)
    return torch.cat([lnkt, lnz, lndelta, torch.log(m2)], dim=1)


class Embed(nn.Module):
    def __init__(self, input_dim, dims):
        super().__init__()
        self.input_bn = nn.BatchNorm1d(input_dim)
        layers = []
        for dim in dims:
            layers += [nn.LayerNorm(input_dim), nn.Linear(input_dim, dim), nn.GELU()]
            input_dim = dim
        self.embed = nn.Sequential(*layers)

    def forward(self, x):  # (N, C, P) -> (P, N, C)
        return self.embed(self.input_bn(x).permute(2, 0, 1).contiguous())


class PairEmbed(nn.Module):
    def __init__(self, input_dim, dims):
        super().__init__()
        layers = [nn.BatchNorm1d(input_dim)]
        for dim in dims:
            layers += [nn.Conv1d(input_dim, dim, 1), nn.BatchNorm1d(dim), nn.GELU()]
            input_dim = dim
        self.embed = nn.Sequential(*layers)
        self.out_dim = dims[-1]

    def forward(self, v):  # (N, 4, P) -> (N, H, P, P)
        n, _, p = v.shape
        with torch.no_grad():
            i, j = torch.tril_indices(p, p, offset=0, device=v.device)
            x = v.unsqueeze(-1).repeat(1, 1, 1, p)
            x = pairwise_lv_fts(x[:, :, i, j], x[:, :, j, i])
        elements = self.embed(x)
        y = torch.zeros(n, self.out_dim, p, p, dtype=elements.dtype, device=elements.device)
        y[:, :, i, j] = elements
        y[:, :, j, i] = elements
        return y


class Block(nn.Module):
    def __init__(self, embed_dim=128, num_heads=8, ffn_ratio=4, dropout=0.1, attn_dropout=0.1,
                 activation_dropout=0.1):
        super().__init__()
        self.embed_dim, self.num_heads = embed_dim, num_heads
        self.head_dim = embed_dim // num_heads
        self.pre_attn_norm = nn.LayerNorm(embed_dim)
        self.attn = nn.MultiheadAttention(embed_dim, num_heads, dropout=attn_dropout)
        self.post_attn_norm = nn.LayerNorm(embed_dim)
        self.dropout = nn.Dropout(dropout)
        self.pre_fc_norm = nn.LayerNorm(embed_dim)
        self.fc1 = nn.Linear(embed_dim, embed_dim * ffn_ratio)
        self.act = nn.GELU()
        self.act_dropout = nn.Dropout(activation_dropout)
        self.post_fc_norm = nn.LayerNorm(embed_dim * ffn_ratio)
        self.fc2 = nn.Linear(embed_dim * ffn_ratio, embed_dim)
        self.c_attn = nn.Parameter(torch.ones(num_heads))
        self.w_resid = nn.Parameter(torch.ones(embed_dim))

    def forward(self, x, x_cls=None, padding_mask=None, attn_mask=None):
        if x_cls is not None:
            with torch.no_grad():
                padding_mask = torch.cat((torch.zeros_like(padding_mask[:, :1]), padding_mask), dim=1)
            residual = x_cls
            u = self.pre_attn_norm(torch.cat((x_cls, x), dim=0))
            x = self.attn(x_cls, u, u, key_padding_mask=padding_mask)[0]
        else:
            residual = x
            x = self.pre_attn_norm(x)
            x = self.attn(x, x, x, key_padding_mask=padding_mask, attn_mask=attn_mask)[0]
        t = x.size(0)
        x = torch.einsum('tbhd,h->tbdh', x.view(t, -1, self.num_heads, self.head_dim), self.c_attn)
        x = self.post_attn_norm(x.reshape(t, -1, self.embed_dim))
        x = self.dropout(x) + residual
        residual = x
        x = self.act_dropout(self.act(self.fc1(self.pre_fc_norm(x))))
        x = self.dropout(self.fc2(self.post_fc_norm(x)))
        return x + self.w_resid * residual


class ParticleTransformer(nn.Module):
    def __init__(self, input_dim=7, num_classes=2, num_heads=8, num_layers=8, num_cls_layers=2,
                 embed_dims=(128, 512, 128), pair_embed_dims=(64, 64, 64)):
        super().__init__()
        d = embed_dims[-1]
        self.embed = Embed(input_dim, list(embed_dims))
        self.pair_embed = PairEmbed(4, list(pair_embed_dims) + [num_heads])
        self.blocks = nn.ModuleList([Block(d, num_heads) for _ in range(num_layers)])
        self.cls_blocks = nn.ModuleList([Block(d, num_heads, dropout=0, attn_dropout=0,
                                               activation_dropout=0) for _ in range(num_cls_layers)])
        self.norm = nn.LayerNorm(d)
        self.fc = nn.Sequential(nn.Linear(d, num_classes))
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
        nn.init.trunc_normal_(self.cls_token, std=.02)
        self.num_heads = num_heads

    def forward(self, x, v, mask):  # x (N, C, P), v (N, 4, P), mask (N, 1, P) bool
        padding_mask = ~mask.squeeze(1)
        x = self.embed(x).masked_fill(~mask.permute(2, 0, 1), 0)
        p = v.size(-1)
        attn_mask = self.pair_embed(v).view(-1, p, p)
        for block in self.blocks:
            x = block(x, padding_mask=padding_mask, attn_mask=attn_mask)
        cls = self.cls_token.expand(1, x.size(1), -1)
        for block in self.cls_blocks:
            cls = block(x, x_cls=cls, padding_mask=padding_mask)
        return self.fc(self.norm(cls).squeeze(0))


# ----------------------------------------------------------------------------- PCN
class ChebConv(nn.Module):
    """PyG ChebConv on dense batched Laplacians: sum_k T_k(L~) X Theta_k + b."""

    def __init__(self, cin, cout, k):
        super().__init__()
        self.lins = nn.ModuleList([nn.Linear(cin, cout, bias=False) for _ in range(k)])
        self.bias = nn.Parameter(torch.zeros(cout))

    def forward(self, x, lap):
        tx0, out = x, self.lins[0](x)
        if len(self.lins) > 1:
            tx1 = torch.bmm(lap, x)
            out = out + self.lins[1](tx1)
            for lin in self.lins[2:]:
                tx2 = 2 * torch.bmm(lap, tx1) - tx0
                out = out + lin(tx2)
                tx0, tx1 = tx1, tx2
        return out + self.bias


class PCN(nn.Module):
    def __init__(self, input_dim=16, num_classes=10, hidden=64, k=16):
        super().__init__()
        self.convs = nn.ModuleList([ChebConv(input_dim, hidden, k), ChebConv(hidden, hidden, k),
                                    ChebConv(hidden, hidden, k)])
        self.fc = nn.Linear(hidden, num_classes)

    def forward(self, x, lap, mask):  # x (N, P, C), lap (N, P, P), mask (N, P, 1) float
        for conv in self.convs:
            x = torch.relu(conv(x, lap)) * mask
        return self.fc(x.sum(1) / mask.sum(1).clamp(min=1))


def knn_laplacian(feats, mask, k=3):
    """Scaled Laplacian (lambda_max = 2) of the symmetrised kNN graph: L~ = -D^-1/2 A D^-1/2."""
    n, p, _ = feats.shape
    dist = torch.cdist(feats, feats)
    invalid = (~mask.bool().squeeze(-1)).unsqueeze(1) | torch.eye(p, dtype=torch.bool).unsqueeze(0)
    dist = dist.masked_fill(invalid, float('inf'))
    vals, idx = dist.topk(k, dim=2, largest=False)
    a = torch.zeros(n, p, p)
    a.scatter_(2, idx, (~torch.isinf(vals)).float())
    a = a * mask
    a = ((a + a.transpose(1, 2)) > 0).float()
    deg = a.sum(2)
    dis = torch.where(deg > 0, deg.rsqrt(), torch.zeros_like(deg))
    return -(dis.unsqueeze(2) * a * dis.unsqueeze(1))


# ----------------------------------------------------------------------------- benchmark
def count(model):
    return sum(p.numel() for p in model.parameters())


def load_batch(data_dir, batch, particles):
    import glob
    import os
    vec = np.load(glob.glob(os.path.join(data_dir, '*ectors.npy'))[0])[:batch, :, :particles]
    mask = np.load(glob.glob(os.path.join(data_dir, '*ask.npy'))[0])[:batch, :, :particles] > 0
    # torch.frombuffer, not from_numpy: Debian's torch may be built against another NumPy ABI.
    v = torch.frombuffer(bytearray(np.ascontiguousarray(vec, dtype=np.float32).tobytes()),
                         dtype=torch.float32).view(*vec.shape)
    m = torch.frombuffer(bytearray(np.ascontiguousarray(mask, dtype=np.uint8).tobytes()),
                         dtype=torch.uint8).view(*mask.shape).bool()
    return v, m


def part_inputs(v, m):
    """The 7 kinematic features (weaver top_kin config), zero at padding."""
    px, py, pz, e = v[:, 0], v[:, 1], v[:, 2], v[:, 3]
    mf = m[:, 0].float()
    jet = (v * mf.unsqueeze(1)).sum(2)
    pt = torch.hypot(px, py).clamp(min=1e-8)
    jet_pt = torch.hypot(jet[:, 0], jet[:, 1]).unsqueeze(1)
    eta = torch.asinh(pz / pt)
    jet_eta = torch.asinh(jet[:, 2] / torch.hypot(jet[:, 0], jet[:, 1])).unsqueeze(1)
    dphi = delta_phi(torch.atan2(py, px), torch.atan2(jet[:, 1], jet[:, 0]).unsqueeze(1))
    deta = eta - jet_eta

    def std(x, a, b):
        return ((x - a) * b).clamp(-5, 5)
    feats = torch.stack([std(torch.log(pt), 1.7, 0.7), std(torch.log(e.clamp(min=1e-8)), 2.0, 0.7),
                         std(torch.log(pt / jet_pt), -4.7, 0.7),
                         std(torch.log(e.clamp(min=1e-8) / jet[:, 3:4]), -4.7, 0.7),
                         std(torch.hypot(deta, dphi), 0.2, 4.0), deta, dphi], 1)
    return feats * mf.unsqueeze(1)


def bench(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    v, m = load_batch(args.data, args.batch, args.particles)
    labels = torch.randint(0, 2, (v.size(0),))
    if args.model == 'part':
        model = ParticleTransformer(7, 2)
        x = part_inputs(v, m)
        run = lambda: model(x, v, m)
    else:
        model = PCN(16, 2)
        mf = m[:, 0].float().unsqueeze(-1)
        pt = torch.hypot(v[:, 0], v[:, 1])
        feats = torch.cat([v, pt.unsqueeze(1), torch.zeros(v.size(0), 11, v.size(2))], 1).transpose(1, 2)
        feats = feats * mf
        run = lambda: model(feats, knn_laplacian(feats, mf), mf)  # graph built per batch
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    result = {'model': args.model, 'batch': v.size(0), 'particles': args.particles,
              'threads': args.threads, 'parameters': count(model)}
    model.train()
    for it in range(args.warmup + args.train_iters):
        if it == args.warmup:
            start = time.perf_counter()
        opt.zero_grad()
        loss = nn.functional.cross_entropy(run(), labels)
        loss.backward()
        opt.step()
    result['train_jets_per_s'] = args.train_iters * v.size(0) / (time.perf_counter() - start)
    model.eval()
    with torch.no_grad():
        for it in range(args.warmup + args.infer_iters):
            if it == args.warmup:
                start = time.perf_counter()
            run()
    result['infer_jets_per_s'] = args.infer_iters * v.size(0) / (time.perf_counter() - start)
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest='cmd', required=True)
    sub.add_parser('params')
    b = sub.add_parser('bench')
    b.add_argument('--model', choices=['part', 'pcn'], default='part')
    b.add_argument('--data', default='../shared/data/jets/top_2000')
    b.add_argument('--batch', type=int, default=256)
    b.add_argument('--particles', type=int, default=128)
    b.add_argument('--threads', type=int, default=2)
    b.add_argument('--warmup', type=int, default=1)
    b.add_argument('--train-iters', type=int, default=2)
    b.add_argument('--infer-iters', type=int, default=3)
    args = parser.parse_args()
    if args.cmd == 'params':
        print(json.dumps({'part_7_inputs_2_classes': count(ParticleTransformer(7, 2)),
                          'part_17_inputs_10_classes': count(ParticleTransformer(17, 10)),
                          'pcn_gcnn_16_inputs_10_classes': count(PCN(16, 10)),
                          'pcn_gcnn_16_inputs_2_classes': count(PCN(16, 2))}))
    else:
        bench(args)


if __name__ == '__main__':
    main()
