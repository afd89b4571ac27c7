"""Entry point of the built-in plugin ganbench_datasets: registers its components by import string,
so loading this module imports no torch."""
from ganbench.hookspecs import hookimpl


@hookimpl
def register_datasets(register):
    register("shapes", "ganbench_datasets.shapes:shapes",
             summary="procedural shapes: 10 classes (some close pairs), random pose/colour/background")
    register("silhouettes", "ganbench_datasets.silhouettes:silhouettes",
             summary="procedural garment silhouettes: 10 classes in Fashion-MNIST's order, random pose/colour/background")
    register("fashion_mnist", "ganbench_datasets.fashion_mnist:fashion_mnist",
             summary="Fashion-MNIST from local gzipped IDX files (Debian dataset-fashion-mnist)")
    register("cifar10", "ganbench_datasets.cifar10:cifar10",
             summary="CIFAR-10 from the local python-version batches")
    register("image_folder", "ganbench_datasets.image_folder:image_folder",
             summary="a local folder of images (set root and resolution): one subfolder per class (a flat "
                     "folder = one class), optional train/ and test/, centre-cropped and resized; docs/datasets.md")
