using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Descent.Benchmarks.GemmBenchmarks).Assembly).Run(args);
