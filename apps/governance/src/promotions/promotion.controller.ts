// /api/promotions: tracks, scheduling, approvals, rejections, rollbacks, blocks and history.
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  approvePromotionBodySchema,
  createPromotionTrackBodySchema,
  liftPromotionBlockBodySchema,
  promotionBlocksQuerySchema,
  promotionHistoryQuerySchema,
  promotionTrackListQuerySchema,
  rejectPromotionBodySchema,
  rollbackPromotionBodySchema,
  schedulePromotionBodySchema,
  type ApprovePromotionBody,
  type CreatePromotionTrackBody,
  type LiftPromotionBlockBody,
  type PromotionBlocksQuery,
  type PromotionHistoryQuery,
  type PromotionTrackListQuery,
  type RejectPromotionBody,
  type RollbackPromotionBody,
  type SchedulePromotionBody,
} from '@mcp-host/contracts';
import { UuidParamPipe, ZodValidationPipe } from '@mcp-host/platform';
import { PromotionService, type Caller } from './promotion.service';
import { TrackService } from './track.service';

const caller = (subject?: string, role?: string): Caller => ({
  subject: subject || null,
  role: role || null,
});

@Controller('api/promotions')
export class PromotionController {
  constructor(
    private readonly promotions: PromotionService,
    private readonly tracks: TrackService,
  ) {}

  @Get('tracks')
  listTracks(
    @Query(new ZodValidationPipe(promotionTrackListQuerySchema)) query: PromotionTrackListQuery,
    @Headers('x-mcp-host-subject') subject?: string,
    @Headers('x-mcp-host-role') role?: string,
  ) {
    return this.tracks.list(query, caller(subject, role));
  }

  @Post('tracks')
  createTrack(
    @Body(new ZodValidationPipe(createPromotionTrackBodySchema)) body: CreatePromotionTrackBody,
    @Headers('x-mcp-host-subject') subject?: string,
    @Headers('x-mcp-host-role') role?: string,
  ) {
    return this.tracks.create(body, caller(subject, role));
  }

  @Post('schedule')
  schedule(
    @Body(new ZodValidationPipe(schedulePromotionBodySchema)) body: SchedulePromotionBody,
    @Headers('x-mcp-host-subject') subject?: string,
    @Headers('x-mcp-host-role') role?: string,
  ) {
    return this.promotions.schedule(body, caller(subject, role));
  }

  @Post('rollback')
  rollback(
    @Body(new ZodValidationPipe(rollbackPromotionBodySchema)) body: RollbackPromotionBody,
    @Headers('x-mcp-host-subject') subject?: string,
    @Headers('x-mcp-host-role') role?: string,
  ) {
    return this.promotions.rollback(body, caller(subject, role));
  }

  @Get('history')
  history(@Query(new ZodValidationPipe(promotionHistoryQuerySchema)) query: PromotionHistoryQuery) {
    return this.promotions.history(query);
  }

  @Get('blocks')
  blocks(@Query(new ZodValidationPipe(promotionBlocksQuerySchema)) query: PromotionBlocksQuery) {
    return this.promotions.blocks(query);
  }

  @Post('blocks/:id/lift')
  @HttpCode(200)
  liftBlock(
    @Param('id', new UuidParamPipe('block')) id: string,
    @Body(new ZodValidationPipe(liftPromotionBlockBodySchema)) body: LiftPromotionBlockBody,
    @Headers('x-mcp-host-subject') subject?: string,
    @Headers('x-mcp-host-role') role?: string,
  ) {
    return this.promotions.liftBlock(id, body, caller(subject, role));
  }

  @Get(':id')
  get(@Param('id', new UuidParamPipe('promotion')) id: string) {
    return this.promotions.get(id);
  }

  @Post(':id/approve')
  @HttpCode(200)
  approve(
    @Param('id', new UuidParamPipe('promotion')) id: string,
    @Body(new ZodValidationPipe(approvePromotionBodySchema)) body: ApprovePromotionBody,
    @Headers('x-mcp-host-subject') subject?: string,
    @Headers('x-mcp-host-role') role?: string,
  ) {
    return this.promotions.approve(id, body, caller(subject, role));
  }

  @Post(':id/reject')
  @HttpCode(200)
  reject(
    @Param('id', new UuidParamPipe('promotion')) id: string,
    @Body(new ZodValidationPipe(rejectPromotionBodySchema)) body: RejectPromotionBody,
    @Headers('x-mcp-host-subject') subject?: string,
    @Headers('x-mcp-host-role') role?: string,
  ) {
    return this.promotions.reject(id, body, caller(subject, role));
  }
}
