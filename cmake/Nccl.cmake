# NCCL, for data-parallel training with one GPU per process (src/subq/train/collectives_nccl.cpp).
# A CUDA LibTorch already contains c10d's ProcessGroupNCCL, but its header includes nccl.h,
# which comes with the CUDA toolkit, a system package, or PyTorch's pip dependency nvidia-nccl
# (site-packages/nvidia/nccl/include, next to site-packages/torch). Without it, `--nproc N`
# with `--device cuda` is refused with a message that says so.
function(subq_enable_nccl target)
  find_path(SUBQ_NCCL_INCLUDE nccl.h
    HINTS ${Torch_DIR}/../../../../nvidia/nccl/include ${CUDAToolkit_INCLUDE_DIRS}
    PATHS /usr/local/cuda/include /usr/local/include /usr/include)
  if(SUBQ_NCCL_INCLUDE)
    target_include_directories(${target} PUBLIC ${SUBQ_NCCL_INCLUDE})
    target_compile_definitions(${target} PUBLIC SUBQ_WITH_NCCL=1 USE_C10D_NCCL=1)
    message(STATUS "NCCL: ${SUBQ_NCCL_INCLUDE}/nccl.h (multi-GPU data parallelism)")
  else()
    message(STATUS "NCCL: nccl.h not found; --nproc N with --device cuda will be refused")
  endif()
endfunction()
