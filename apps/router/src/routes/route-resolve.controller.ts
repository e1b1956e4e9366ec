import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { type CommandRequest, RouterRouteResolve } from '@switchyard/contracts';
import { HandleCommand } from '@switchyard/nats';
import { RouteResolverService } from './route-resolver.service';

@Controller()
export class RouteResolveController {
  constructor(private readonly resolver: RouteResolverService) {}

  @HandleCommand(RouterRouteResolve)
  resolve(@Payload() request: CommandRequest<typeof RouterRouteResolve>) {
    return this.resolver.resolve(request);
  }
}
