print("forge-gateway: not yet")
