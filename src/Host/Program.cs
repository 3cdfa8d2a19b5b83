using Descent.Engine.Distributed;
using Descent.Host;

if (MpiLaunch.Detect(Environment.GetEnvironmentVariable) is null)
{
    return DescentApp.Run(args, Console.Out, Console.Error);
}
// A rank's output goes to its launcher, which forwards it, often to a file or a pipe: Descent cannot see where it ends
// up, so no rank takes it for a terminal. Open MPI gives each rank a pseudo-terminal for its standard output, and .NET
// prepares any terminal it finds there on first use (the console's colour calls, which the plain-text console still
// makes, included), sending the terminal description's keypad sequence (ESC [?1h ESC =) into the forwarded output once
// per rank. Without TERM there is no description to take a sequence from.
Environment.SetEnvironmentVariable("TERM", null);
using var output = LauncherOutput.Open(LauncherOutput.StandardOutput);
using var error = LauncherOutput.Open(LauncherOutput.StandardError);
return DescentApp.Run(args, output, error);
