using System.Text.Json.Nodes;

namespace MultiClusterLease.Sandbox.Kubernetes;

/// <summary>One invalid field, reported in a 422 <c>Invalid</c> Status (<c>details.causes</c>).</summary>
/// <param name="Reason">The cause type, e.g. <c>FieldValueInvalid</c>, <c>FieldValueRequired</c>.</param>
/// <param name="Field">The field path, e.g. <c>spec.leaseDurationSeconds</c>.</param>
/// <param name="Message">What is wrong, e.g. <c>Required value</c> (without the field path).</param>
internal sealed record FieldError(string Reason, string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>A failed API request; the server answers it with a Kubernetes <c>Status</c> object.</summary>
internal sealed class ApiException : Exception
{
    public ApiException(int code, string reason, string message, JsonObject? details = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Details = details;
    }

    /// <summary>Gets the HTTP status code.</summary>
    public int Code { get; }

    /// <summary>Gets the Status reason, e.g. <c>NotFound</c>.</summary>
    public string Reason { get; }

    /// <summary>Gets the Status details, if any.</summary>
    public JsonObject? Details { get; }

    /// <summary>Builds the <c>Status</c> object for this error.</summary>
    public JsonObject ToStatus() => Status(Code, Reason, Message, Details?.DeepClone());

    public static JsonObject Status(int code, string reason, string message, JsonNode? details = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
        };
        if (details is not null)
        {
            status["details"] = details;
        }

        status["code"] = code;
        return status;
    }

    public static ApiException NotFound(ResourceType type, string name) =>
        new(404, "NotFound", $"{type.QualifiedResource} \"{name}\" not found", DetailsOf(type, name));

    public static ApiException NotFound(string message) => new(404, "NotFound", message);

    public static ApiException AlreadyExists(ResourceType type, string name) =>
        new(409, "AlreadyExists", $"{type.QualifiedResource} \"{name}\" already exists", DetailsOf(type, name));

    public static ApiException Conflict(ResourceType type, string name, string why) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {type.QualifiedResource} \"{name}\": {why}", DetailsOf(type, name));

    public static ApiException Invalid(ResourceType type, string name, IReadOnlyList<FieldError> errors)
    {
        var list = errors.Count == 1 ? errors[0].ToString() : "[" + string.Join(", ", errors) + "]";
        var details = DetailsOf(type, name);
        details["kind"] = type.Kind;
        details["causes"] = new JsonArray(errors
            .Select(e => (JsonNode)new JsonObject { ["reason"] = e.Reason, ["message"] = e.Message, ["field"] = e.Field })
            .ToArray());
        return new ApiException(422, "Invalid", $"{type.QualifiedKind} \"{name}\" is invalid: {list}", details);
    }

    public static ApiException Unprocessable(string message) => new(422, "Invalid", message);

    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiException MethodNotAllowed(string method) =>
        new(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource ({method})");

    public static ApiException Expired(long requested, long oldest) =>
        new(410, "Expired", $"too old resource version: {requested} ({oldest})");

    private static JsonObject DetailsOf(ResourceType type, string name) => new()
    {
        ["name"] = name,
        ["group"] = type.Group,
        ["kind"] = type.Plural,
    };
}
