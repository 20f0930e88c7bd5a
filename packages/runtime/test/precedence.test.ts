import type { Plugin, PluginInstance } from "@portcullis/sdk";
import { describe, expect, it } from "vitest";
import type { PluginEntity, RouteEntity } from "../src/config/types.js";
import { silentLogger } from "../src/logger.js";
import { type CompiledInstance, compileChain, resolveSlot } from "../src/snapshot.js";

function instance(name: string, priority: number, scope: { route?: string; service?: string; consumer?: string }, label: string): CompiledInstance {
  const entity: PluginEntity = {
    id: label,
    name,
    instanceName: undefined,
    config: {},
    routeId: scope.route,
    serviceId: scope.service,
    consumerId: scope.consumer,
    protocols: ["http", "https", "grpc", "grpcs"],
    enabled: true,
    tags: [],
    source: label,
  };
  const handlers: PluginInstance = { access() {} };
  return { entity, plugin: { name, priority } as Plugin<unknown>, name, priority, handlers, log: silentLogger, controller: new AbortController() };
}

const route = { id: "R", serviceId: "S", protocols: ["http", "https"] } as unknown as RouteEntity;

describe("Kong's plugin precedence", () => {
  const levels = [
    ["route+service+consumer", { route: "R", service: "S", consumer: "C" }],
    ["route+consumer", { route: "R", consumer: "C" }],
    ["service+consumer", { service: "S", consumer: "C" }],
    ["route+service", { route: "R", service: "S" }],
    ["consumer", { consumer: "C" }],
    ["route", { route: "R" }],
    ["service", { service: "S" }],
    ["global", {}],
  ] as const;

  it("resolves each of the 8 levels in order, for the authenticated consumer", () => {
    for (let index = 0; index < levels.length; index++) {
      const available = levels.slice(index).map(([label, scope]) => instance("limit", 910, scope, label));
      const chain = compileChain(available, route);
      expect(resolveSlot(chain.slots[0]!, "C")?.entity.id, `with levels from ${levels[index]![0]}`).toBe(levels[index]![0]);
    }
  });

  it("ignores consumer-scoped configs for other consumers and for anonymous requests", () => {
    const all = levels.map(([label, scope]) => instance("limit", 910, scope, label));
    const chain = compileChain(all, route);
    expect(chain.consumerDependent).toBe(true);
    expect(resolveSlot(chain.slots[0]!, "someone-else")?.entity.id).toBe("route+service");
    expect(resolveSlot(chain.slots[0]!, undefined)?.entity.id).toBe("route+service");
  });

  it("ignores configs scoped to other routes and services", () => {
    const chain = compileChain([instance("limit", 910, { route: "OTHER" }, "other-route"), instance("limit", 910, { service: "OTHER" }, "other-service")], route);
    expect(chain.slots).toHaveLength(0);
  });

  it("orders by priority, high first, and ties by name in reverse alphabetical order", () => {
    const chain = compileChain(
      [instance("alpha", 100, {}, "a"), instance("cors", 2000, {}, "c"), instance("bravo", 100, {}, "b"), instance("jwt", 1450, {}, "j"), instance("rate-limiting", 910, {}, "r")],
      route,
    );
    expect(chain.instances.map((entry) => entry.name)).toEqual(["cors", "jwt", "rate-limiting", "bravo", "alpha"]);
  });

  it("gives the no-route chain global plugins only", () => {
    const chain = compileChain([instance("a", 1, {}, "global"), instance("b", 1, { route: "R" }, "route"), instance("c", 1, { consumer: "C" }, "consumer")], undefined);
    expect(chain.instances.map((entry) => entry.entity.id)).toEqual(["global"]);
  });
});
