/// The OpenAPI 3.1 description of the gateway, served at `GET /openapi.yaml`.
///
/// The document is `Resources/openapi.yaml`, a plain file that linters and Schemathesis read
/// (`scripts/check-api`), embedded in the binary at build time so the served copy cannot drift
/// from the checked one. `RouteTableTests` compares its paths and methods with the router's.
public enum OpenAPIDocument {
    /// The document's bytes, as the file holds them.
    public static var bytes: [UInt8] { PackageResources.openapi_yaml }
}
