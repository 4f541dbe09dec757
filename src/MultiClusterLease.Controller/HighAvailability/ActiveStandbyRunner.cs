using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MultiClusterLease.Election.Reconciliation;

namespace MultiClusterLease.Controller.HighAvailability;

/// <summary>
/// Runs the <see cref="ElectionController"/> only while this replica is active: always when leader election is off,
/// otherwise only while it holds the controller's Lease (<see cref="LeaseElector"/>). When the Lease is lost the
/// controller's session is cancelled at once, so a standby that takes over never reconciles alongside it.
/// </summary>
internal sealed partial class ActiveStandbyRunner : BackgroundService
{
    private readonly ElectionController _controller;
    private readonly LeaseElector? _elector;
    private readonly ControllerActivity _activity;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="controller">The election controller.</param>
    /// <param name="elector">The Lease elector; <see langword="null"/> when leader election is off.</param>
    /// <param name="activity">Where the state is published.</param>
    /// <param name="lifetime">Stops the host if the controller ends on its own.</param>
    /// <param name="logger">The logger.</param>
    public ActiveStandbyRunner(ElectionController controller, LeaseElector? elector, ControllerActivity activity, IHostApplicationLifetime lifetime, ILogger<ActiveStandbyRunner> logger)
    {
        _controller = controller;
        _elector = elector;
        _activity = activity;
        _lifetime = lifetime;
        _logger = logger;
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (_elector is null)
            {
                await RunControllerAsync(stoppingToken);
            }
            else
            {
                Log.Standby(_logger, _elector.LeaseKey, _elector.Identity);
                await _elector.RunAsync(RunControllerAsync, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Log.Failed(_logger, ex);
            _lifetime.StopApplication();
            throw;
        }

        if (!stoppingToken.IsCancellationRequested)
        {
            _lifetime.StopApplication();
        }
    }

    private async Task RunControllerAsync(CancellationToken cancellationToken)
    {
        _activity.SetActive(true);
        try
        {
            await _controller.RunAsync(cancellationToken);
        }
        finally
        {
            _activity.SetActive(false);
        }
    }
}
