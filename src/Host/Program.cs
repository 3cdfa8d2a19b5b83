using Descent.Host;

return DescentApp.Run(args, Console.Out, Console.Error);
