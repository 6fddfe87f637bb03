// Dense batched graphs for jets: each jet's particles are the nodes of one graph, padded to
// the batch's particle count P, so a batch is a stack of (P, P) matrices (padded nodes are
// isolated and never touch real ones).
#pragma once
#include <torch/torch.h>

namespace subq::nn {

// Symmetric 0/1 adjacency (B, P, P) from neighbour lists (B, P, k) (-1 = none): i ~ j when
// j is among i's neighbours or i among j's. No self loops.
torch::Tensor symmetric_adjacency(const torch::Tensor& neighbours);

// The scaled normalised Laplacian of ChebConv: L~ = 2 L / lambda_max - I with
// L = I - D^{-1/2} A D^{-1/2} (isolated nodes: L = I, as in PyTorch Geometric).
torch::Tensor scaled_laplacian(const torch::Tensor& adjacency, double lambda_max = 2.0);

// k nearest other real nodes of every node by Euclidean distance of x (B, P, C) among the
// real nodes (mask (B, P)); (B, P, k) int64 with -1 where fewer than k exist. For dynamic
// graphs (EdgeConv) computed on the fly from hidden features.
torch::Tensor knn_graph(const torch::Tensor& x, const torch::Tensor& mask, int64_t k);

}  // namespace subq::nn
