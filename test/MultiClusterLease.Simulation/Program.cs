using System.Globalization;
using MultiClusterLease.Simulation.Running;

// dotnet test/MultiClusterLease.Simulation/bin/Debug/net10.0/MultiClusterLease.Simulation.dll replay SEED [--faults 0,2] [--broken]
// dotnet test/MultiClusterLease.Simulation/bin/Debug/net10.0/MultiClusterLease.Simulation.dll soak COUNT [--from SEED] [--report PATH]
return SimulationCommand.Run(args, Console.Out);
