using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Descent.Benchmarks.GemmBenchmarkBase).Assembly).Run(args);
