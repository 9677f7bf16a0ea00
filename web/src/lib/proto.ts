// The protocol types (generated from proto/hongyan/v1/client.proto) and the
// shapes of requests and responses as the rest of the client uses them.
import type { ClientFrame, ServerFrame } from "../gen/hongyan/v1/client_pb.js";

export * from "../gen/hongyan/v1/client_pb.js";
export { create, toBinary, fromBinary } from "@bufbuild/protobuf";

export type ReqCase = NonNullable<ClientFrame["req"]["case"]>;
export type ReqValue<C extends ReqCase> = Extract<ClientFrame["req"], { case: C }>["value"];
export type BodyCase = NonNullable<ServerFrame["body"]["case"]>;
export type BodyValue<C extends BodyCase> = Extract<ServerFrame["body"], { case: C }>["value"];

// An init object for a request body: any subset of its fields (nested
// messages as plain objects), as @bufbuild/protobuf's create() accepts.
type InitField<V> = V extends bigint | string | number | boolean | Uint8Array ? V : V extends (infer E)[] ? (E extends object ? Init<E>[] : E[]) : V extends object ? Init<V> : V;
export type Init<T> = { [K in keyof T as K extends "$typeName" | "$unknown" ? never : K]?: InitField<NonNullable<T[K]>> };

export const id = (x: bigint | number | string): string => String(x);
