using System.Runtime.CompilerServices;

// The CPU accelerator emits a task type per kernel into a dynamic assembly named "ILGPURuntime", with
// one field per kernel argument; internal argument types such as GemmLayout must be visible to it.
[assembly: InternalsVisibleTo("ILGPURuntime")]
