"""Built-in executors, registered through the same entry-point group as every plugin."""
from ganbench.hookspecs import hookimpl


@hookimpl
def register_executors(register):
    register("inprocess", "ganbench.executors.local:InProcessExecutor",
             summary="run cells one after another in this process")
    register("pool", "ganbench.executors.local:ProcessPoolExecutor",
             summary="run cells in parallel worker processes (one thread each on CPU; packs GPUs)")
    register("submitit", "ganbench.executors.cluster:SubmititExecutor",
             summary="run each cell as a submitit job (SLURM job array; local processes for tests)")
