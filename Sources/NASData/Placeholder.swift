import NASKernels
