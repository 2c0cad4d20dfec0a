#pragma once

// Settings that libraries read once, when they are loaded, and that this program chooses unless
// the user did. Torch-free and dependency-free: the launchers (app/launcher) link it alone.

namespace bmfl
{

/// Puts into this process's environment, for whichever of them the user left unset:
/// OPENBLAS_CORETYPE=SkylakeX on a CPU with AVX-512 (OpenBLAS 0.3.21 otherwise picks its slower
/// AVX2 kernels) and OMP_WAIT_POLICY=PASSIVE unless GOMP_SPINCOUNT is set (LibTorch's OpenMP
/// workers otherwise spin after every parallel region and take the cores OpenBLAS's threads
/// need). Both libraries read them only when they load: set them before LibTorch is loaded (the
/// launcher) or run the program again (prepareProcess). Does nothing when BMFL_NO_REEXEC is set
/// (the environment exactly as given). Returns whether it set anything.
bool setLoadTimeSettings();

} // namespace bmfl
