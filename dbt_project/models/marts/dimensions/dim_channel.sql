-- Intake channels: ПОС, the social networks of Инцидент Менеджмент, and the
-- ways a regional system receives appeals (portal, hotline, letter...).
with

channels as (
    select * from {{ ref('channels') }}
),

final as (
    select
        channel_code,
        channel_name,
        source_system as source_kind,
        network_host,
        source_system = 'im' as is_social_network
    from channels
)

select * from final
